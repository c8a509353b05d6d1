using System.Text;
using PullCluster.Core.Registry;
using Xunit;

namespace PullCluster.Tests.Registry;

public sealed class CredentialFilesSpecs : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pullcluster-creds-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string json)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }

    private static string Auth(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public void Reads_base64_auth_and_plain_username_password_entries()
    {
        var path = Write("config.json", $$"""
            {"auths":{
              "https://index.docker.io/v1/":{"auth":"{{Auth("hub", "pw:with:colons")}}"},
              "registry.example:5000":{"username":"alice","password":"pa55"} } }
            """);
        var files = CredentialFiles.Load([path]);

        var hub = files.Find("docker.io", "library/alpine");
        Assert.Equal(("hub", "pw:with:colons"), (hub!.Username, hub.Password));
        Assert.Equal(("alice", "pa55"), (files.Find("registry.example:5000", "x/y")!.Username, files.Find("registry.example:5000", "x/y")!.Password));
        Assert.Null(files.Find("registry.example", "x/y"));
        Assert.Contains(path, hub.Source);
    }

    [Fact]
    public void A_repository_specific_entry_beats_the_registry_wide_one()
    {
        var path = Write("auth.json", $$"""
            {"auths":{
              "quay.io":{"auth":"{{Auth("wide", "1")}}"},
              "quay.io/team":{"auth":"{{Auth("team", "2")}}"},
              "quay.io/team/app":{"auth":"{{Auth("app", "3")}}"} } }
            """);
        var files = CredentialFiles.Load([path]);

        Assert.Equal("app", files.Find("quay.io", "team/app")!.Username);
        Assert.Equal("team", files.Find("quay.io", "team/other")!.Username);
        Assert.Equal("wide", files.Find("quay.io", "elsewhere/app")!.Username);
        Assert.Equal("wide", files.Find("quay.io", "team-app/x")!.Username);
    }

    [Fact]
    public void Earlier_files_win_and_missing_files_are_skipped()
    {
        var first = Write("a/auth.json", $$"""{"auths":{"r.example":{"auth":"{{Auth("first", "1")}}"} } }""");
        var second = Write("b/config.json", $$"""{"auths":{"r.example":{"auth":"{{Auth("second", "2")}}"},"s.example":{"auth":"{{Auth("only", "3")}}"} } }""");
        var files = CredentialFiles.Load([Path.Combine(_dir, "missing.json"), first, second]);

        Assert.Equal("first", files.Find("r.example", "x")!.Username);
        Assert.Equal("only", files.Find("s.example", "x")!.Username);
    }

    [Fact]
    public void Names_the_credential_helper_for_a_host_without_inline_credentials()
    {
        var path = Write("config.json", """{"auths":{"gcr.io":{} },"credHelpers":{"gcr.io":"gcloud"} }""");
        var files = CredentialFiles.Load([path]);

        Assert.Null(files.Find("gcr.io", "p/app"));
        Assert.Equal("gcloud", files.HelperFor("gcr.io"));
        Assert.Null(files.HelperFor("quay.io"));
        Assert.Equal("desktop", CredentialFiles.Load([Write("store.json", """{"credsStore":"desktop"}""")]).HelperFor("quay.io"));
    }

    [Fact]
    public void A_malformed_file_is_an_error_naming_it()
    {
        var path = Write("config.json", """{"auths":{"r.example":{"auth":"not base64!"} } }""");
        var e = Assert.Throws<FormatException>(() => CredentialFiles.Load([path]));

        Assert.Contains(path, e.Message);
        Assert.Contains("base64", e.Message);
    }

    [Fact]
    public void Default_paths_follow_podman_then_docker()
    {
        var env = new Dictionary<string, string>
        {
            ["REGISTRY_AUTH_FILE"] = "/etc/auth.json",
            ["XDG_RUNTIME_DIR"] = "/run/user/1000",
        };
        Assert.Equal(["/etc/auth.json", "/run/user/1000/containers/auth.json", "/home/u/.docker/config.json"],
            CredentialFiles.DefaultPaths("/home/u", k => env.GetValueOrDefault(k)));
        Assert.Equal(["/opt/docker/config.json"],
            CredentialFiles.DefaultPaths("/home/u", k => k == "DOCKER_CONFIG" ? "/opt/docker" : null));
    }

    [Theory]
    [InlineData("https://index.docker.io/v1/", "docker.io")]
    [InlineData("index.docker.io", "docker.io")]
    [InlineData("registry-1.docker.io", "docker.io")]
    [InlineData("http://localhost:5000/v2/", "localhost:5000")]
    [InlineData("quay.io/team/", "quay.io/team")]
    [InlineData("Registry.Example", "registry.example")]
    public void Normalizes_keys_as_docker_and_podman_write_them(string key, string expected) =>
        Assert.Equal(expected, CredentialFiles.NormalizeKey(key));
}
