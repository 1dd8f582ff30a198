using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SagaDemo.Hosting;

/// <summary>
/// The framework's validation names a field as it is spelt in C# ("OrderId": aspnetcore#61764);
/// a client sent "order_id", so the answer names it that way, and says which fields to fix.
/// </summary>
public static class ValidationErrors
{
    public static void UseWireNames(HttpValidationProblemDetails problem)
    {
        var renamed = problem.Errors.ToDictionary(error => WireName(error.Key), error => error.Value);
        problem.Errors.Clear();
        foreach (var (field, messages) in renamed)
        {
            problem.Errors[field] = messages;
        }
        problem.Detail ??= $"Fix these fields and send the request again: {string.Join(", ", problem.Errors.Keys)}.";
    }

    // "OrderId" → "order_id"; a nested path ("Items[0].Sku") keeps its shape, each part renamed.
    private static string WireName(string key) =>
        string.Join('.', key.Split('.').Select(part => JsonNamingPolicy.SnakeCaseLower.ConvertName(part)));
}
