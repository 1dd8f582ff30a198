using System.Runtime.CompilerServices;

namespace SagaDemo.Clients;

/// <summary>
/// Sits inside the retry policy, so it sees every try of a request; the client reads the count
/// into the order's history.
/// </summary>
public sealed class AttemptCountingHandler : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<StrongBox<int>> Attempts = new("SagaDemo.Attempts");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Attempts, out var attempts))
        {
            Interlocked.Increment(ref attempts.Value);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
