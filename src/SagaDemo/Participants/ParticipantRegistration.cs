using SagaDemo.Hosting;

namespace SagaDemo.Participants;

public static class ParticipantRegistration
{
    /// <summary>The participant <paramref name="role"/> plays, from <see cref="ParticipantRegistry"/>.</summary>
    public static WebApplicationBuilder AddParticipant(this WebApplicationBuilder builder, ServiceRole role) =>
        builder.AddParticipant(ParticipantRegistry.Of(role));

    public static WebApplicationBuilder AddParticipant(this WebApplicationBuilder builder, Participant participant)
    {
        builder.Services.AddOptions<FaultInjectionOptions>().BindConfiguration("FaultInjection").ValidateDataAnnotations().ValidateOnStart();
        participant.AddServices(builder.Services, builder.Configuration);
        return builder;
    }

    public static WebApplication MapParticipant(this WebApplication app, ServiceRole role) =>
        app.MapParticipant(ParticipantRegistry.Of(role));

    public static WebApplication MapParticipant(this WebApplication app, Participant participant)
    {
        participant.MapEndpoints(app);
        return app;
    }
}
