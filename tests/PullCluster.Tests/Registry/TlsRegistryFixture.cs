using PullCluster.Tests.Infrastructure;
using Xunit;

namespace PullCluster.Tests.Registry;

/// <summary>
/// A registry serving HTTPS on 127.0.0.1 with a certificate from a CA of the test's own, over the storage of a plain
/// twin that the image was pushed to; the CA's PEM is written to <see cref="CaFile"/>.
/// </summary>
public sealed class TlsRegistryFixture : IAsyncLifetime
{
    public TlsRegistryFixture() =>
        Image = TestImage.Oci().Layer(AnonymousRegistryFixture.RawLayer(Layer)).Build();

    public TestCertificateAuthority Ca { get; } = TestCertificateAuthority.Create();
    public TempDir Dir { get; } = TempDir.Create("registry-https");
    public RegistryProcess Plain { get; private set; } = null!;
    public RegistryProcess Tls { get; private set; } = null!;
    public TestImage Image { get; }
    public byte[] Layer { get; } = AnonymousRegistryFixture.RandomBytes(200_000, seed: 7);

    public string CaFile => Dir.Combine("ca.pem");

    /// <summary>Starts with <paramref name="options"/>' auth; pushes as its user.</summary>
    public async Task StartAsync(Infrastructure.RegistryOptions options)
    {
        await File.WriteAllTextAsync(CaFile, Ca.CertificatePem);
        Plain = await RegistryProcess.StartAsync(options);
        await Image.PushAsync(Plain, "secure/app", "1");
        Tls = await Plain.ServeOverTlsAsync(new RegistryTls(Ca, Ca.IssueServer()));
    }

    public Task InitializeAsync() => StartAsync(new Infrastructure.RegistryOptions { Label = "registry-https" });

    public async Task DisposeAsync()
    {
        if (Tls is not null) await Tls.DisposeAsync();
        if (Plain is not null) await Plain.DisposeAsync();
        Dir.Dispose();
        Ca.Dispose();
    }
}
