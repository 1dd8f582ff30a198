using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using SagaDemo.Contracts;

namespace SagaDemo.Participants;

public sealed class DeliveryOptions
{
    [Range(0, int.MaxValue)]
    public int SlotCapacity { get; set; } = 100;
}

public sealed class DeliveryRules(IOptions<DeliveryOptions> options) : IReservationRules<DeliveryReservationRequest>
{
    public string ForcedFailure => "Delivery slot unavailable";

    public int Capacity => options.Value.SlotCapacity;

    public string? ResourceOf(DeliveryReservationRequest request) => Canonical.Slot(request.Slot!);

    public Decision Decide(DeliveryReservationRequest request, int unitsHeld)
    {
        var slot = Canonical.Slot(request.Slot!);
        return unitsHeld >= Capacity
            ? Decision.Refuse($"Delivery slot {slot} is full")
            : Decision.Approve(new Hold(slot, 1));
    }
}
