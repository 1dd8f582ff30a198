using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Extensions.Http;
using Polly.Timeout;
using SagaDemo.Saga;

namespace SagaDemo.Clients;

/// <summary>
/// The Polly policies of the participant clients, built from options: per participant, a circuit
/// breaker around the retry, around a per-try timeout.
/// </summary>
public sealed class ParticipantPolicies
{
    private readonly ResilienceOptions settings;
    private readonly ConcurrentDictionary<string, IAsyncPolicy<HttpResponseMessage>> byParticipant = new(StringComparer.Ordinal);

    public ParticipantPolicies(IOptions<ResilienceOptions> options, Random random)
    {
        settings = options.Value;

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

    /// <summary>
    /// The policy of one participant's client. Its breaker counts whole calls (all their tries) that got
    /// no usable answer; a "no" (4xx) is an answer. Once it opens, a call is not sent at all
    /// (BrokenCircuitException) until the break is over, so a black-holed participant holds nobody up.
    /// </summary>
    public IAsyncPolicy<HttpResponseMessage> For(string participant) => byParticipant.GetOrAdd(participant, _ =>
        Policy.WrapAsync(
            HttpPolicyExtensions.HandleTransientHttpError().Or<TimeoutRejectedException>()
                .CircuitBreakerAsync(settings.BreakerFailures, settings.BreakerDuration),
            RetryWithPerTryTimeout));
}
