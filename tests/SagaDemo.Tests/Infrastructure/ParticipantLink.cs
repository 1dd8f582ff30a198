using System.Net;

namespace SagaDemo.Tests.Infrastructure;

/// <summary>
/// The wire between the orchestrator and one in-process participant: it records every call and
/// can be told to fail some of them, the way a real network or a sick participant would.
/// </summary>
public sealed class ParticipantLink(string name, CallLog log)
{
    private readonly Lock gate = new();
    private readonly List<Fault> faults = [];

    public string Name => name;

    public CallLog Log { get; } = log;

    /// <summary>The next <paramref name="times"/> calls to <paramref name="action"/> get <paramref name="status"/>.</summary>
    public ParticipantLink Answer(string action, HttpStatusCode status, int times = int.MaxValue) =>
        Add(new Fault(action, times, _ => Task.FromResult(new HttpResponseMessage(status))));

    /// <summary>The next <paramref name="times"/> calls to <paramref name="action"/> get what <paramref name="respond"/> makes.</summary>
    public ParticipantLink Answer(string action, Func<HttpResponseMessage> respond, int times = int.MaxValue) =>
        Add(new Fault(action, times, _ => Task.FromResult(respond())));

    /// <summary>Calls to <paramref name="action"/> fail as if nothing listened.</summary>
    public ParticipantLink Refuse(string action, int times = int.MaxValue) =>
        Add(new Fault(action, times, _ => throw new HttpRequestException("Connection refused (test fault)")));

    /// <summary>
    /// Calls to <paramref name="action"/> never answer; the caller's timeout has to end them.
    /// <paramref name="reached"/>, if given, is set when such a call arrives.
    /// </summary>
    public ParticipantLink Hang(string action, int times = int.MaxValue, TaskCompletionSource? reached = null) =>
        Add(new Fault(action, times, async ct =>
        {
            reached?.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        }));

    /// <summary>Every fault is cleared: the participant answers normally again.</summary>
    public void Heal()
    {
        lock (gate)
        {
            faults.Clear();
        }
    }

    public HttpMessageHandler Wrap(HttpMessageHandler participant) => new LinkHandler(this, participant);

    private ParticipantLink Add(Fault fault)
    {
        lock (gate)
        {
            faults.Add(fault);
        }
        return this;
    }

    private Fault? TakeFault(string action)
    {
        lock (gate)
        {
            var fault = faults.FirstOrDefault(f => f.Action == action && f.Remaining > 0);
            if (fault is not null)
            {
                fault.Remaining--;
            }
            return fault;
        }
    }

    private sealed class Fault(string action, int times, Func<CancellationToken, Task<HttpResponseMessage>> respond)
    {
        public string Action => action;

        public int Remaining { get; set; } = times;

        public Task<HttpResponseMessage> RespondAsync(CancellationToken ct) => respond(ct);
    }

    private sealed class LinkHandler(ParticipantLink link, HttpMessageHandler participant) : DelegatingHandler(participant)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var action = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "";
            link.Log.Add($"{request.Method} {request.RequestUri.AbsolutePath}");
            return link.TakeFault(action) is { } fault ? fault.RespondAsync(cancellationToken) : base.SendAsync(request, cancellationToken);
        }
    }
}
