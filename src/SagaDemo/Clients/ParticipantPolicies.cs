using Microsoft.Extensions.Options;
using Polly;
using Polly.Extensions.Http;
using Polly.Timeout;
using SagaDemo.Saga;

namespace SagaDemo.Clients;

/// <summary>The Polly policy of the participant clients, built once from options.</summary>
public sealed class ParticipantPolicies
{
    public ParticipantPolicies(IOptions<ResilienceOptions> options, Random random)
    {
        var settings = options.Value;

        // Connection failures, 5xx, 408 and a try that ran out of time are transient; a 4xx is an
        // answer and is never retried. Exponential backoff with jitter spreads retries out.
        var retry = HttpPolicyExtensions.HandleTransientHttpError()
            .Or<TimeoutRejectedException>()
            .WaitAndRetryAsync(settings.RetryCount,
                attempt => Backoff.Exponential(settings.RetryBaseDelay, attempt) * (0.5 + random.NextDouble()));
        var perTryTimeout = Policy.TimeoutAsync<HttpResponseMessage>(settings.PerTryTimeout);

        // The timeout inside the retry: each try has its own time budget, and a try that ran out of it is retried.
        RetryWithPerTryTimeout = Policy.WrapAsync(retry, perTryTimeout);
    }

    public IAsyncPolicy<HttpResponseMessage> RetryWithPerTryTimeout { get; }
}
