using Microsoft.AspNetCore.Http.HttpResults;

namespace SagaDemo.Hosting;

/// <summary>
/// Checks of query parameters that attributes cannot say (a status by name, a duration, a paging
/// cursor): each failed check is that parameter's error, all of them in one 400.
/// </summary>
public sealed class QueryErrors
{
    private readonly Dictionary<string, string[]> errors = [];

    public bool IsEmpty => errors.Count == 0;

    public QueryErrors Check(bool valid, string parameter, string message)
    {
        if (!valid)
        {
            errors[parameter] = [message];
        }
        return this;
    }

    /// <summary>The 400 answer: every parameter's error, and a detail that says which ones to fix.</summary>
    public ValidationProblem ToProblem() =>
        TypedResults.ValidationProblem(errors, detail: $"Fix these parameters and send the request again: {string.Join(", ", errors.Keys)}.");
}
