using PullCluster.Core.Layers;

namespace PullCluster.Tests.Layers;

/// <summary>A fresh directory under the temp directory, removed (without following symlinks) on dispose.</summary>
internal sealed class ScratchDir : IDisposable
{
    public ScratchDir()
    {
        Path = Directory.CreateTempSubdirectory("pullcluster-layers-").FullName;
    }

    public string Path { get; }

    /// <summary>A new empty subdirectory.</summary>
    public string Sub(string name)
    {
        var dir = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose() => Posix.RemoveAll(RawPath.FromString(Path));
}
