using PullCluster.Tests.Infrastructure;

namespace PullCluster.Tests.Recovery;

/// <summary>
/// The images the recovery specs pull: big enough (real files, ~100 MB unpacked, ~43 MB of gzip blobs each) that a
/// kill lands in the middle of the work, gzip so umoci can unpack their layouts. App and tools share their three
/// base layers; tiny is one small layer for checking that a node serves pulls at all.
/// </summary>
public static class RecoveryImages
{
    private static TestLayer Libraries => TestLayer.FromDirectory("/usr/lib/x86_64-linux-gnu", 40L << 20, targetPrefix: "usr/lib/x86_64-linux-gnu");

    private static TestLayer Documentation => TestLayer.FromDirectory("/usr/share/doc", 24L << 20, targetPrefix: "usr/share/doc");

    private static TestLayer Programs => TestLayer.FromDirectory("/usr/bin", 32L << 20, targetPrefix: "usr/bin");

    private static TestLayer Locales => TestLayer.FromDirectory("/usr/share/locale", 24L << 20, targetPrefix: "usr/share/locale");

    private static TestLayer Python => TestLayer.FromDirectory("/usr/lib/python3", 24L << 20, targetPrefix: "usr/lib/python3");

    public static TestImage App() => TestImage.Oci().Layers([Libraries, Documentation, Programs, Locales]).Build();

    public static TestImage Tools() => TestImage.Oci().Layers([Libraries, Documentation, Programs, Python]).Build();

    public static TestImage Tiny() => TestImage.Oci().Layer(l => l.Dir("etc").File("etc/motd", "recovered\n")).Build();
}
