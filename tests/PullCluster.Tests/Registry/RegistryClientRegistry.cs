using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PullCluster.Core.Formats;

namespace PullCluster.Tests.Registry;

/// <summary>
/// A real CNCF distribution registry (the docker-registry package) on 127.0.0.1 with a temporary storage
/// directory, started for the registry client specs, plus plain-HTTP helpers to push content into it.
/// </summary>
public sealed class RegistryClientRegistry : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    private RegistryClientRegistry(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }
    public int Port { get; }
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Authorization used by the push helpers (the registry may require it).</summary>
    public AuthenticationHeaderValue? PushAuthorization { get; set; }

    /// <summary>Starts a registry; <paramref name="authYaml"/> is the config's "auth:" section body, if any.</summary>
    public static async Task<RegistryClientRegistry> StartAsync(Func<string, string>? authYaml = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "pullcluster-registry-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "storage"));
        var port = FreePort();
        var config = $"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {directory}/storage
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:{port}
              secret: pullcluster-specs
            """;
        if (authYaml is not null) config += "\nauth:\n" + authYaml(directory);
        var configPath = Path.Combine(directory, "config.yml");
        await File.WriteAllTextAsync(configPath, config);

        var process = new Process
        {
            StartInfo = new ProcessStartInfo("docker-registry", ["serve", configPath])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
        };
        var registry = new RegistryClientRegistry(process, directory, port);
        process.OutputDataReceived += (_, e) => registry.Append(e.Data);
        process.ErrorDataReceived += (_, e) => registry.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await registry.WaitUntilServingAsync();
        return registry;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log)
            if (_log.Length < 64 * 1024) _log.AppendLine(line);
    }

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    private async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {Log}");
            try
            {
                using var response = await _http.GetAsync($"http://{Address}/v2/");
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"docker-registry did not serve http://{Address}/v2/ within 15 s: {Log}");
    }

    public async Task<Descriptor> PushBlobAsync(string repository, byte[] data, string mediaType)
    {
        var digest = Digest.Sha256(data);
        using var start = Request(HttpMethod.Post, $"http://{Address}/v2/{repository}/blobs/uploads/");
        using var started = await _http.SendAsync(start);
        await EnsureAsync(started, HttpStatusCode.Accepted, "start upload");
        var location = started.Headers.Location!;
        var upload = location.IsAbsoluteUri ? location : new Uri(new Uri($"http://{Address}"), location);
        var separator = upload.Query.Length > 0 ? "&" : "?";
        using var put = Request(HttpMethod.Put, $"{upload}{separator}digest={Uri.EscapeDataString(digest.ToString())}");
        put.Content = new ByteArrayContent(data);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var finished = await _http.SendAsync(put);
        await EnsureAsync(finished, HttpStatusCode.Created, $"finish upload of {digest}");
        return new Descriptor(mediaType, digest, data.Length);
    }

    public async Task<Digest> PushManifestAsync(string repository, string reference, string mediaType, byte[] body)
    {
        using var put = Request(HttpMethod.Put, $"http://{Address}/v2/{repository}/manifests/{reference}");
        put.Content = new ByteArrayContent(body);
        put.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await _http.SendAsync(put);
        await EnsureAsync(response, HttpStatusCode.Created, $"push manifest {repository}:{reference}");
        return Digest.Sha256(body);
    }

    /// <summary>Pushes config, layers and an OCI manifest tagged <paramref name="tag"/>.</summary>
    public async Task<PushedImage> PushImageAsync(string repository, string tag, params byte[][] layers)
    {
        var layerDescriptors = new List<Descriptor>();
        foreach (var layer in layers)
            layerDescriptors.Add(await PushBlobAsync(repository, layer, MediaTypes.OciLayerGzip));
        var config = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            architecture = "amd64",
            os = "linux",
            rootfs = new { type = "layers", diff_ids = layerDescriptors.Select(d => d.Digest.ToString()).ToArray() },
        }));
        var configDescriptor = await PushBlobAsync(repository, config, MediaTypes.OciConfig);
        var manifest = ManifestJson(MediaTypes.OciManifest, configDescriptor, layerDescriptors);
        var digest = await PushManifestAsync(repository, tag, MediaTypes.OciManifest, manifest);
        return new PushedImage(digest, manifest, configDescriptor, layerDescriptors);
    }

    public static byte[] ManifestJson(string mediaType, Descriptor config, IEnumerable<Descriptor> layers) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            schemaVersion = 2,
            mediaType,
            config = DescriptorJson(config),
            layers = layers.Select(DescriptorJson).ToArray(),
        }));

    private static object DescriptorJson(Descriptor d) => new { mediaType = d.MediaType, digest = d.Digest.ToString(), size = d.Size };

    private HttpRequestMessage Request(HttpMethod method, string uri)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = PushAuthorization;
        return request;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
            throw new InvalidOperationException(
                $"{what}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record PushedImage(Digest Digest, byte[] Manifest, Descriptor Config, IReadOnlyList<Descriptor> Layers);
