namespace PullCluster.Core.Access;

/// <param name="Refusal">Null when the request may go ahead; else the one line the caller is answered with.</param>
public sealed record AccessDecision(string? Refusal)
{
    public static AccessDecision Allowed { get; } = new((string?)null);

    public bool IsAllowed => Refusal is null;

    public static AccessDecision Refused(string reason) => new(reason);
}
