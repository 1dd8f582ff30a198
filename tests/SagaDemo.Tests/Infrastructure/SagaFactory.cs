using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SagaDemo.Hosting;

namespace SagaDemo.Tests.Infrastructure;

/// <summary>One role of the executable, in process, with its own settings and services.</summary>
public sealed class SagaFactory(
    ServiceRole role,
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // Host settings, not app configuration: Program reads ROLE before Build().
        builder.UseSetting("ROLE", role.RouteName());
        // In-process tests keep orders in memory and run recovery and the reconciler only when they call them.
        builder.UseSetting("Storage:Provider", "memory");
        builder.UseSetting("Recovery:Interval", "01:00:00");
        builder.UseSetting("Reconcile:Interval", "1.00:00:00");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.ClearProviders());
        builder.ConfigureTestServices(collection => services?.Invoke(collection));
    }
}
