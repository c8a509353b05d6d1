using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace PullCluster.Core.Registry;

/// <summary>
/// Decides the Authorization header for registry requests. Requests go anonymously until a host answers 401; its
/// challenge is then remembered so later requests to that host authenticate up front.
/// </summary>
internal sealed class RegistryAuthenticator
{
    private readonly RegistryOptions _options;
    private readonly Lazy<CredentialFiles> _files;
    private readonly ConcurrentDictionary<string, AuthChallenge> _challenges = new(StringComparer.OrdinalIgnoreCase);

    public RegistryAuthenticator(RegistryOptions options, HttpClient http)
    {
        _options = options;
        Tokens = new BearerTokens(http, options.IdleTimeout);
        _files = new Lazy<CredentialFiles>(() => options.ReadCredentialFiles
            ? CredentialFiles.Load(CredentialFiles.DefaultPaths(
                options.HomeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
                Environment.GetEnvironmentVariable))
            : CredentialFiles.Empty);
    }

    public BearerTokens Tokens { get; }

    /// <summary>The header for a first attempt: none until this host has challenged us.</summary>
    public async ValueTask<AuthenticationHeaderValue?> InitialHeaderAsync(RequestContext ctx, CancellationToken ct)
    {
        if (!_challenges.TryGetValue(ctx.Image.ApiHost, out var challenge)) return null;
        var credential = CredentialFor(ctx);
        if (challenge.IsBasic) return credential is null ? null : Basic(credential);
        return Bearer(await TokenAsync(ctx, challenge, credential, ct));
    }

    /// <summary>The header to retry a 401 with; throws a RegistryException saying why when there is none.</summary>
    public async ValueTask<AuthenticationHeaderValue> RetryHeaderAsync(
        RequestContext ctx, HttpResponseMessage response, AuthenticationHeaderValue? sent, CancellationToken ct)
    {
        var challenges = response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values)
            ? values.SelectMany(AuthChallenge.Parse).ToList()
            : [];
        var challenge = challenges.FirstOrDefault(c => c.IsBearer && c.Realm is not null) ?? challenges.FirstOrDefault(c => c.IsBasic);
        if (challenge is null)
            throw Unauthorized(ctx, challenges.Count == 0
                ? "registry sent no WWW-Authenticate challenge"
                : $"unsupported authentication scheme {string.Join(", ", challenges.Select(c => c.Scheme))}");
        _challenges[ctx.Image.ApiHost] = challenge;

        var credential = CredentialFor(ctx);
        if (challenge.IsBasic)
        {
            if (credential is null) throw Unauthorized(ctx, NoCredentials(ctx));
            if (sent?.Scheme == "Basic") throw Unauthorized(ctx, Rejection(ctx));
            return Basic(credential);
        }
        if (sent is { Scheme: "Bearer", Parameter: { } rejected })
            Tokens.Invalidate(challenge, Scope(ctx), credential, rejected);
        return Bearer(await TokenAsync(ctx, challenge, credential, ct));
    }

    /// <summary>Why a request that already carried authentication was refused again.</summary>
    public string Rejection(RequestContext ctx) =>
        CredentialFor(ctx) is { } credential
            ? $"credentials {credential} rejected by {ctx.Image.Registry}"
            : NoCredentials(ctx);

    public RegistryCredential? CredentialFor(RequestContext ctx)
    {
        var image = ctx.Image;
        if (RegistryEndpoint.FindHostOptions(_options, image.Registry, image.ApiHost) is { Username: { } user } host)
            return new RegistryCredential(user, host.Password ?? "", "RegistryOptions.Hosts");
        return Files(ctx).Find(image.Registry, image.Repository);
    }

    private CredentialFiles Files(RequestContext ctx)
    {
        try
        {
            return _files.Value;
        }
        catch (FormatException e)
        {
            throw ctx.Error(e.Message, inner: e);
        }
    }

    private string NoCredentials(RequestContext ctx)
    {
        var registry = ctx.Image.Registry;
        return Files(ctx).HelperFor(registry) is { } helper
            ? $"no credentials for {registry}: they are kept by docker-credential-{helper}, which PullCluster does not run; " +
              "set them in RegistryOptions.Hosts or an \"auths\" entry"
            : $"no credentials for {registry}";
    }

    private async Task<string> TokenAsync(RequestContext ctx, AuthChallenge challenge, RegistryCredential? credential, CancellationToken ct)
    {
        try
        {
            return await Tokens.GetAsync(challenge, Scope(ctx), credential, ct);
        }
        catch (TokenFetchFailure e)
        {
            throw ctx.Error(e.StatusCode is 401 or 403 && credential is null ? $"{e.Message}; {NoCredentials(ctx)}" : e.Message,
                e.StatusCode, e.Transient, e);
        }
    }

    private static string Scope(RequestContext ctx) => $"repository:{ctx.Image.Repository}:pull";

    private static RegistryException Unauthorized(RequestContext ctx, string why) =>
        ctx.Error($"HTTP 401 Unauthorized: {why}", 401);

    private static AuthenticationHeaderValue Basic(RegistryCredential c) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.Username}:{c.Password}")));

    private static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
