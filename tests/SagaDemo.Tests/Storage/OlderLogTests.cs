using System.Text.Json;
using System.Text.Json.Nodes;
using SagaDemo.Contracts;
using SagaDemo.Orders;
using SagaDemo.Saga;

namespace SagaDemo.Tests.Storage;

/// <summary>Orders stored by an older build keep their meaning: a failed call's status reads as its outcome.</summary>
public sealed class OlderLogTests
{
    public sealed record OlderFailure(string FailureStatus, CallOutcome Outcome, bool TimedOut);

    public static TheoryData<OlderFailure> OlderFailures =>
    [
        new("rejected", CallOutcome.Failed, false),
        new("unreachable", CallOutcome.Unknown, false),
        new("timed_out", CallOutcome.Unknown, true),
    ];

    [Theory]
    [MemberData(nameof(OlderFailures))]
    public void StoredFailureStatus_ReadsAsTheCallOutcome(OlderFailure older)
    {
        var log = Order.Begin(OrderDetails.From(new OrderRequest("o-1", 10m, "sku-1", 1, "2024-05-20T10:00")), DateTimeOffset.UnixEpoch)
            .MoveTo(SagaStatus.Compensating) with
        { Failure = "Payment reservation failed" };
        var document = JsonNode.Parse(JsonSerializer.Serialize(log, OrdersJsonContext.Default.Order))!.AsObject();
        document.Remove("failure_outcome");
        document.Remove("failure_timed_out");
        document["failure_status"] = older.FailureStatus;

        var read = JsonSerializer.Deserialize(document.ToJsonString(), OrdersJsonContext.Default.Order)!;

        read.Should().Match<Order>(o => o.FailureOutcome == older.Outcome && o.FailureTimedOut == older.TimedOut && o.Failure == log.Failure);
        JsonSerializer.Serialize(read, OrdersJsonContext.Default.Order).Should().NotContain("failure_status");
    }
}
