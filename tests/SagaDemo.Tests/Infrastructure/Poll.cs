namespace SagaDemo.Tests.Infrastructure;

/// <summary>Waits for a condition another thread makes true, checking it often, failing at a deadline.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"The condition did not become true within {deadline.TotalSeconds:0} s.");
            }
            await Task.Yield();
            await Task.Delay(10, CancellationToken.None);
        }
    }
}
