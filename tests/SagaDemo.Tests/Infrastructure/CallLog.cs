namespace SagaDemo.Tests.Infrastructure;

/// <summary>Every call the orchestrator made to any participant, in the order they were made.</summary>
public sealed class CallLog
{
    private readonly Lock gate = new();
    private readonly List<string> calls = [];

    public void Add(string call)
    {
        lock (gate)
        {
            calls.Add(call);
        }
    }

    /// <summary>The reserve and cancel calls, e.g. "POST /payment/reserve".</summary>
    public IReadOnlyList<string> Posts
    {
        get
        {
            lock (gate)
            {
                return calls.Where(c => c.StartsWith("POST ", StringComparison.Ordinal)).ToList();
            }
        }
    }
}
