using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SagaDemo.Contracts;
using SagaDemo.Infrastructure.Storage;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace SagaDemo.Hosting;

/// <summary>What every role shares: JSON, errors, limits, health, Swagger.</summary>
public static class ServiceDefaults
{
    public const long MaxRequestBodyBytes = 64 * 1024;

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, ServiceRole role)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        var services = builder.Services;
        services.ConfigureHttpJsonOptions(json => SagaJson.Configure(json.SerializerOptions));
        // Request bodies are checked against their fields' attributes (Contracts/FieldRules) before
        // a handler runs; a bad one is a 400 that names each field as it is spelt on the wire.
        services.AddValidation();
        services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            if (context.ProblemDetails is HttpValidationProblemDetails validation)
            {
                ValidationErrors.UseWireNames(validation);
            }
            context.ProblemDetails.Detail ??= WhatToDo(context.ProblemDetails.Status);
        });
        // Binding failures (malformed JSON, oversized bodies) become exceptions so that one handler
        // can turn them into problem details that say what was wrong.
        services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<StoreUnavailableHandler>();
        services.AddHealthChecks();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger => swagger.SwaggerDoc("v1", new() { Title = $"SagaDemo {role.RouteName()}", Version = "v1" }));
        // Swashbuckle reads MVC's JSON options, not minimal APIs'; give it ours so the schemas are snake_case.
        services.AddSingleton<ISerializerDataContractResolver>(new JsonSerializerDataContractResolver(SagaJson.Options));
        services.TryAddSingleton(TimeProvider.System);
        builder.AddSecurity();
        return builder;
    }

    // Errors the framework answers without a detail (status code pages) still say what to do.
    private static string? WhatToDo(int? status) => status switch
    {
        StatusCodes.Status404NotFound => "Nothing is served at this path; see /swagger for this service's endpoints.",
        StatusCodes.Status405MethodNotAllowed => "This path does not take that method; see /swagger for this service's endpoints.",
        StatusCodes.Status413PayloadTooLarge => $"The request body is larger than {MaxRequestBodyBytes / 1024} KiB; send a smaller body.",
        StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with the header Content-Type: application/json.",
        _ => null,
    };

    private static Task WriteHealth(HttpContext context, HealthReport report, ServiceRole role, System.Text.Json.JsonSerializerOptions json)
    {
        var security = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<SecurityOptions>>().Value;
        return context.Response.WriteAsJsonAsync(new HealthView(
            report.Status == HealthStatus.Healthy ? "ok" : "unhealthy",
            role.RouteName(),
            Security.Mode(role == ServiceRole.Order ? security.OperatorToken : security.ServiceToken),
            report.Entries.Count == 0 ? null : report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Healthy ? "healthy" : "unhealthy"),
            PublicReasons(report)), json);
    }

    private static Dictionary<string, string>? PublicReasons(HealthReport report)
    {
        var reasons = report.Entries
            .Where(e => e.Value.Data.TryGetValue(StoreHealthCheck.PublicReason, out var reason) && reason is string)
            .ToDictionary(e => e.Key, e => (string)e.Value.Data[StoreHealthCheck.PublicReason]);
        return reasons.Count == 0 ? null : reasons;
    }

    public static WebApplication UseServiceDefaults(this WebApplication app, ServiceRole role)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        Security.WarnIfOpen(app, role);
        // Swagger's two middlewares would inspect every request's path; only /swagger/... goes through them.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger"), swagger => swagger.UseSwagger().UseSwaggerUI());

        // /health is readiness (every check, the order store's included); /health/live only says the
        // process answers, so a database outage does not get the pod restarted.
        var json = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<JsonOptions>>().Value.SerializerOptions;
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = (context, report) => WriteHealth(context, report, role, json) });
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, report) => WriteHealth(context, report, role, json),
        });
        return app;
    }
}
