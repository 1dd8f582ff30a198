using Microsoft.Extensions.Options;
using Polly;
using Polly.Extensions.Http;
using Polly.Timeout;
using SagaDemo.Sagas;

namespace SagaDemo.Clients;

/// <summary>The Polly policies of the participant clients, built once from options.</summary>
public sealed class ParticipantPolicies
{
    public ParticipantPolicies(IOptions<ResilienceOptions> options, Random random)
    {
        var settings = options.Value;

        // Connection failures, 5xx, 408 and a try that ran out of time are transient; a 4xx is an
        // answer and is never retried. Exponential backoff with jitter spreads retries out.
        Retry = HttpPolicyExtensions.HandleTransientHttpError()
            .Or<TimeoutRejectedException>()
            .WaitAndRetryAsync(settings.RetryCount,
                attempt => Backoff.Exponential(settings.RetryBaseDelay, attempt) * (0.5 + random.NextDouble()));

        PerTryTimeout = Policy.TimeoutAsync<HttpResponseMessage>(settings.PerTryTimeout);
    }

    public IAsyncPolicy<HttpResponseMessage> Retry { get; }

    public IAsyncPolicy<HttpResponseMessage> PerTryTimeout { get; }
}
