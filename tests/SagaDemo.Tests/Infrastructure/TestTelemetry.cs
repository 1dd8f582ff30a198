using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SagaDemo.Saga;

namespace SagaDemo.Tests.Infrastructure;

/// <summary>The saga's telemetry on a meter factory of its own, for a driver built by hand in a test.</summary>
public static class TestTelemetry
{
    public static SagaTelemetry Saga() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
}
