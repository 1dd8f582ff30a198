using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Saga;

namespace SagaDemo.Clients;

/// <summary>
/// A typed client for one participant. Every answer becomes a <see cref="StepOutcome"/>: a 2xx is
/// success, a 4xx is the participant's "no", and anything else leaves the outcome unknown.
/// </summary>
public sealed class ParticipantClient(HttpClient http, string name, IOptions<ResilienceOptions> options)
{
    // No charset: JSON is UTF-8 (RFC 8259 defines no charset parameter), and the participant has none to parse.
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    public string Name { get; } = name;

    // The client lives as long as the app, so its two URLs are built once, not parsed on every call.
    private readonly Uri reserveUri = new(http.BaseAddress!, $"/{name}/reserve");
    private readonly Uri cancelUri = new(http.BaseAddress!, $"/{name}/cancel");

    public Task<StepOutcome> ReserveAsync<TRequest>(TRequest body, CancellationToken cancellationToken)
        where TRequest : IReservationRequest => PostAsync(reserveUri, body, cancellationToken);

    public Task<StepOutcome> CancelAsync(string orderId, CancellationToken cancellationToken) =>
        PostAsync(cancelUri, new CancelRequest(orderId), cancellationToken);

    public async Task<ParticipantState> GetStateAsync(string orderId, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.StatusLookupTimeout);
        try
        {
            using var response = await http.GetAsync($"/{Name}/reservations/{Uri.EscapeDataString(orderId)}", deadline.Token);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return ParticipantState.None;
            }
            if (!response.IsSuccessStatusCode)
            {
                return ParticipantState.Unavailable;
            }

            var view = await response.Content.ReadFromJsonAsync<ReservationView>(SagaJson.Options, deadline.Token);
            return view?.Status switch
            {
                ReservationStatus.Reserved => ParticipantState.Reserved,
                ReservationStatus.Cancelled => ParticipantState.Cancelled,
                ReservationStatus.Rejected => ParticipantState.Rejected,
                _ => ParticipantState.Unavailable,
            };
        }
        catch (Exception ex) when (IsNoUsableAnswer(ex))
        {
            return ParticipantState.Unavailable;
        }
    }

    /// <summary>
    /// Whether a read of the participant failed for want of a usable answer: unreachable, no answer in
    /// time, a body that cannot be read (InvalidOperationException: a character set that cannot be
    /// decoded), or its breaker open (nothing was sent). Every reader of a participant agrees on it.
    /// </summary>
    public static bool IsNoUsableAnswer(Exception ex) =>
        ex is HttpRequestException or OperationCanceledException or TimeoutRejectedException or JsonException
            or InvalidOperationException or BrokenCircuitException;

    /// <summary>One page of the participant's reservations that still hold something, oldest first.</summary>
    public async Task<ReservationPage> ListReservedAsync(string? after, int limit, CancellationToken cancellationToken)
    {
        var query = $"/{Name}/reservations?status=reserved&limit={limit}{(after is null ? "" : $"&after={Uri.EscapeDataString(after)}")}";
        using var response = await http.GetAsync(query, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<ReservationPage>(SagaJson.Options, cancellationToken)
            ?? throw new JsonException($"{Name} answered an empty page of reservations.");
    }

    private async Task<StepOutcome> PostAsync<TBody>(Uri uri, TBody body, CancellationToken cancellationToken)
    {
        var attempts = new StrongBox<int>();
        // Serialised up front: the body goes with a Content-Length (not chunked), and every retry resends the same bytes.
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, SagaJson.Options)) { Headers = { ContentType = JsonMediaType } },
        };
        request.Options.Set(AttemptCountingHandler.Attempts, attempts);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return StepOutcome.Success(attempts.Value);
            }

            var status = (int)response.StatusCode;
            // Only a "no" (4xx) is told in the participant's words: a fault's text (a 5xx's, a proxy's)
            // can name hosts, files or database errors, and the order's history is public.
            var statusLine = $"{status} {response.ReasonPhrase}";
            switch (status)
            {
                case StatusCodes.Status408RequestTimeout or StatusCodes.Status504GatewayTimeout:
                    return StepOutcome.NoAnswerInTime($"{Name} timed out after {attempts.Value} attempt(s) ({statusLine})", attempts.Value);
                case >= 500 or < 400:
                    // A 5xx, or a redirect (never followed: the participant is misrouted), is no answer: unknown.
                    return StepOutcome.Unknown($"{Name} answered {statusLine} after {attempts.Value} attempt(s)", attempts.Value);
            }
            try
            {
                return StepOutcome.Rejected(await ReadDetailAsync(response, cancellationToken), attempts.Value);
            }
            catch (InvalidOperationException)
            {
                // A body in a character set that cannot be decoded is no usable answer: the outcome is unknown.
                return StepOutcome.Unknown($"{Name} answered {status} with a body that cannot be read", attempts.Value);
            }
        }
        catch (BrokenCircuitException)
        {
            return StepOutcome.NotSent(
                $"{Name} was not called: it stopped answering, so its calls are held back for {options.Value.BreakerDuration.TotalSeconds:0.###} s (circuit open).");
        }
        catch (TimeoutRejectedException)
        {
            return StepOutcome.NoAnswerInTime(
                $"{Name} did not answer within {options.Value.PerTryTimeout.TotalSeconds:0.###} s, {attempts.Value} attempt(s)", attempts.Value);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return StepOutcome.NoAnswerInTime($"{Name} did not answer within {http.Timeout.TotalSeconds:0.###} s", attempts.Value);
        }
        catch (HttpRequestException ex)
        {
            return StepOutcome.Unknown($"{Name} is unreachable after {attempts.Value} attempt(s): {ex.Message}", attempts.Value);
        }
    }

    private static async Task<string> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(SagaJson.Options, cancellationToken);
            if ((problem?.Detail ?? problem?.Title) is { } text)
            {
                return text;
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's HTML page, say): fall back to the status line.
        }
        return $"{(int)response.StatusCode} {response.ReasonPhrase}";
    }
}
