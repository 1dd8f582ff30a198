using System.Net;
using SagaDemo.Contracts;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

/// <summary>One thing, one spelling: capacity is counted per slot and per SKU, not per way of writing them.</summary>
public sealed class CanonicalFormsTests
{
    public sealed record Spellings(string Name, string First, string Second);

    public static TheoryData<Spellings> SameSlot =>
    [
        new("with and without seconds", "2024-05-20T10:00", "2024-05-20T10:00:00"),
    ];

    public static TheoryData<Spellings> SameSku =>
    [
        new("case", "SKU-1", "sku-1"),
        new("surrounding spaces", "SKU-1", "  SKU-1 "),
        new("Unicode composition (é as one character or as e + accent)", "CAF\u00C9", "cafe\u0301"),
    ];

    [Theory]
    [MemberData(nameof(SameSlot))]
    public async Task TwoSpellingsOfASlot_AreOneSlot(Spellings slot)
    {
        using var system = new SagaSystem(participantSettings: new Dictionary<string, string?> { ["Delivery:SlotCapacity"] = "1" });

        var first = await system.PlaceAsync(SagaSystem.NewOrder("slot-1") with { Slot = slot.First });
        var second = await system.PlaceAsync(SagaSystem.NewOrder("slot-2") with { Slot = slot.Second });

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        second.StatusCode.Should().Be(HttpStatusCode.Conflict, $"{slot.Name}: the one place of the slot is taken");
        (await first.ReadAsync<OrderView>()).Slot.Should().Be("2024-05-20T10:00");
    }

    [Theory]
    [MemberData(nameof(SameSku))]
    public async Task TwoSpellingsOfASku_AreOneSku(Spellings sku)
    {
        using var system = new SagaSystem(participantSettings: new Dictionary<string, string?> { ["Inventory:InitialStock"] = "1" });

        var first = await system.PlaceAsync(SagaSystem.NewOrder("sku-1") with { Sku = sku.First });
        var second = await system.PlaceAsync(SagaSystem.NewOrder("sku-2") with { Sku = sku.Second });

        first.StatusCode.Should().Be(HttpStatusCode.Created);
        second.StatusCode.Should().Be(HttpStatusCode.Conflict, $"{sku.Name}: the one unit is held");
    }

    [Theory]
    [InlineData("slot", "2024-05-20T10:00:59")]
    [InlineData("sku", "SKU 1")]
    [InlineData("sku", "   ")]
    public async Task ASpellingThatIsNotOneThing_Is400(string field, string value)
    {
        using var system = new SagaSystem();
        var order = field == "slot" ? SagaSystem.NewOrder("bad-1") with { Slot = value } : SagaSystem.NewOrder("bad-1") with { Sku = value };

        var response = await system.PlaceAsync(order);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync())["errors"]!.AsObject().Select(e => e.Key).Should().Equal(field);
        system.Calls.Posts.Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(SameSku))]
    public void TwoSpellingsOfASku_AreOneStringInMemory(Spellings sku)
    {
        // The orders and reservations a store keeps share the canonical spelling instead of a copy each.
        Canonical.Sku(sku.First).Should().BeSameAs(Canonical.Sku(sku.Second), sku.Name);
    }

    [Fact]
    public void TwoSpellingsOfASlot_AreOneStringInMemory() =>
        Canonical.Slot("2024-05-20T11:00").Should().BeSameAs(Canonical.Slot("2024-05-20T11:00:00"));

    [Fact]
    public void ASkuBeingChecked_IsNotKeptForSharing()
    {
        var spelling = $"CHECKED-{Guid.NewGuid():N}".ToUpperInvariant();

        Canonical.SpellSku(spelling.ToLowerInvariant()).Should().Be(spelling);

        Canonical.SpellSku(spelling.ToLowerInvariant()).Should().NotBeSameAs(Canonical.SpellSku(spelling.ToLowerInvariant()),
            "input that may yet be refused takes no place among the shared spellings");
    }
}
