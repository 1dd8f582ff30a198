using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace SagaDemo.Hosting;

/// <summary>
/// Turns the framework's binding failures into answers a client can act on: a value of the wrong
/// type names its field, broken JSON says where it broke.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        context.Response.StatusCode = bad.StatusCode;
        var problem = bad switch
        {
            // A value of the wrong type ("amount": "ten") is the field's error: System.Text.Json reports it
            // as a JsonException itself, and broken JSON as a subclass of it (the reader's).
            { InnerException: JsonException { Path: { Length: > 2 } path } json } when json.GetType() == typeof(JsonException) =>
                new HttpValidationProblemDetails(new Dictionary<string, string[]> { [FieldName(path)] = [$"{FieldName(path)} has the wrong type."] })
                {
                    Title = "One or more validation errors occurred.",
                    Detail = $"Fix these fields and send the request again: {FieldName(path)}.",
                },
            { InnerException: JsonException json } => new ProblemDetails
            {
                Title = "Malformed JSON",
                Detail = $"The request body is not valid JSON: {FirstSentence(json.Message)}",
            },
            _ => new ProblemDetails { Detail = bad.Message },
        };
        problem.Status = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static string FieldName(string jsonPath) => jsonPath.TrimStart('$', '.');

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }
}
