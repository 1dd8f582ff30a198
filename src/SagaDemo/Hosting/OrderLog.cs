using System.Collections;

namespace SagaDemo.Hosting;

/// <summary>The log scope every line about one order carries: <c>order_id</c> in the JSON logs.</summary>
public static class OrderLog
{
    public static IDisposable? BeginScope(ILogger logger, string orderId) => logger.BeginScope(new OrderScope(orderId));

    // One key, no dictionary: this is on every request's path.
    private sealed class OrderScope(string orderId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] =>
            index == 0 ? new("order_id", orderId) : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"order_id:{orderId}";
    }
}
