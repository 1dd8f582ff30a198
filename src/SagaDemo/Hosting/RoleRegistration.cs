using SagaDemo.Orchestration;
using SagaDemo.Participants;

namespace SagaDemo.Hosting;

public static class RoleRegistration
{
    public static WebApplicationBuilder AddRole(this WebApplicationBuilder builder, ServiceRole role) => role switch
    {
        ServiceRole.Order => builder.AddOrchestrator(),
        _ => builder.AddParticipant(role),
    };

    public static WebApplication MapRole(this WebApplication app, ServiceRole role) => role switch
    {
        ServiceRole.Order => app.MapOrchestrator(),
        _ => app.MapParticipant(role),
    };
}
