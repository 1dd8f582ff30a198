namespace SagaDemo.Hosting;

/// <summary>The log scope every line about one order carries: <c>order_id</c> in the JSON logs.</summary>
public static class OrderLog
{
    private static readonly Func<ILogger, string, IDisposable?> Scope = LoggerMessage.DefineScope<string>("order_id:{order_id}");

    public static IDisposable? BeginScope(ILogger logger, string orderId) => Scope(logger, orderId);
}
