using Microsoft.Extensions.Options;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Orders;
using SagaDemo.Participants;

var builder = WebApplication.CreateBuilder(args);

// The one executable plays one of four parts; an unknown part must stop us before we listen.
if (!ServiceRoles.TryParse(builder.Configuration[ServiceRoles.ConfigKey], out var role))
{
    Console.Error.WriteLine(ServiceRoles.InvalidRoleMessage(builder.Configuration[ServiceRoles.ConfigKey]));
    return 1;
}

try
{
    // The orchestrator, or one participant: the only place that sees every feature.
    var isOrchestrator = role == ServiceRole.Order;
    builder.AddServiceDefaults(role);
    builder.AddTelemetry(role);
    if (isOrchestrator)
    {
        builder.AddOrchestrator();
    }
    else
    {
        builder.AddParticipant(role);
    }

    var app = builder.Build();
    app.UseServiceDefaults(role);
    app.MapTelemetry();
    app.MapDiagnostics();
    if (isOrchestrator)
    {
        app.MapOrchestrator();
    }
    else
    {
        app.MapParticipant(role);
    }
    app.Run();
    return 0;
}
catch (OptionsValidationException ex)
{
    // Bad configuration is the operator's to fix: say what, not where in our code.
    Console.Error.WriteLine($"Invalid configuration for role {role.RouteName()}: {string.Join("; ", ex.Failures)}");
    return 2;
}
catch (StoreUnavailableException ex)
{
    Console.Error.WriteLine($"Cannot start role {role.RouteName()}: {ex.Message}");
    return 3;
}
