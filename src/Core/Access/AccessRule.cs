namespace PullCluster.Core.Access;

/// <param name="Activity">The request in words, as a refusal names it: "removing images".</param>
public sealed record AccessRule(Permission Needs, string Activity);
