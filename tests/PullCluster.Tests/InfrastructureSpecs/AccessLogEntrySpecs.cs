using PullCluster.Core.Formats;
using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.InfrastructureSpecs;

public class AccessLogEntrySpecs
{
    private static readonly string Hex = new('a', 64);

    [Fact]
    public void Parses_a_blob_get_in_combined_format()
    {
        var entry = AccessLogEntry.TryParse(
            $"127.0.0.1 - - [23/Nov/2026:08:02:42 +0000] \"GET /v2/library/app/blobs/sha256:{Hex} HTTP/1.1\" 206 3 \"\" \"pullcluster/1.0\"");

        Assert.NotNull(entry);
        Assert.Equal(("GET", RegistryEndpoint.Blob, "library/app", 206, 3L, "pullcluster/1.0"),
            (entry.Method, entry.Endpoint, entry.Repository, entry.Status, entry.Bytes, entry.UserAgent));
        Assert.Equal(Digest.Parse($"sha256:{Hex}"), entry.Digest);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 8, 2, 42, TimeSpan.Zero), entry.Time);
        Assert.True(entry.IsSuccessfulBlobGet);
    }

    [Theory]
    [InlineData("PUT /v2/a/b/manifests/latest", RegistryEndpoint.Manifest, "a/b", "latest")]
    [InlineData("PATCH /v2/a/blobs/uploads/0c05c9f9?_state=x", RegistryEndpoint.Upload, "a", "0c05c9f9")]
    [InlineData("GET /v2/a/tags/list", RegistryEndpoint.Tags, "a", null)]
    [InlineData("GET /v2/", RegistryEndpoint.Base, null, null)]
    [InlineData("GET /v2/_catalog", RegistryEndpoint.Catalog, null, null)]
    public void Decodes_the_route(string request, RegistryEndpoint endpoint, string? repository, string? reference)
    {
        var entry = AccessLogEntry.TryParse($"127.0.0.1 - - [23/Nov/2026:08:02:42 +0000] \"{request} HTTP/1.1\" 200 0 \"\" \"curl\"");

        Assert.Equal((endpoint, repository, reference), (entry!.Endpoint, entry.Repository, entry.Reference));
        Assert.Null(entry.Digest);
    }

    [Fact]
    public void Ignores_lines_that_are_not_access_log_lines()
    {
        Assert.Null(AccessLogEntry.TryParse("time=\"2026-11-23T08:02:36Z\" level=info msg=\"listening on 127.0.0.1:5999\""));
    }
}
