using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;
using SagaDemo.Contracts;

namespace SagaDemo.Participants;

public sealed class PaymentOptions
{
    [Range(typeof(decimal), "0.01", "1000000000")]
    public decimal MaxAmount { get; set; } = 10_000m;
}

public sealed class PaymentRules(IOptions<PaymentOptions> options) : IReservationRules<PaymentReservationRequest>
{
    public string ForcedFailure => "Payment gateway rejected transaction";

    public string? ResourceOf(PaymentReservationRequest request) => null;

    public Decision Decide(PaymentReservationRequest request, int unitsHeld)
    {
        var limit = options.Value.MaxAmount;
        return request.Amount > limit
            ? Decision.Refuse(string.Create(CultureInfo.InvariantCulture, $"Payment declined: amount {request.Amount:F2} exceeds the limit of {limit:F2}"))
            : Decision.Approve();
    }
}
