using System.Runtime.InteropServices;

namespace PullCluster.Core.Formats;

/// <summary>os/architecture[/variant] in OCI (Go) spelling.</summary>
public sealed record Platform(string Os, string Architecture, string? Variant = null)
{
    public static Platform Parse(string value)
    {
        var parts = value.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrWhiteSpace))
            throw new FormatException($"invalid platform '{value}': expected os/arch[/variant]");
        var (arch, variant) = NormalizeArch(parts[1].ToLowerInvariant(), parts.Length == 3 ? parts[2].ToLowerInvariant() : null);
        return new Platform(parts[0].ToLowerInvariant(), arch, variant);
    }

    public static Platform Current { get; } = FromRuntime();

    private static Platform FromRuntime()
    {
        var os = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "darwin" : "linux";
        return RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => new Platform(os, "amd64"),
            System.Runtime.InteropServices.Architecture.Arm64 => new Platform(os, "arm64", "v8"),
            System.Runtime.InteropServices.Architecture.Arm => new Platform(os, "arm", "v7"),
            System.Runtime.InteropServices.Architecture.X86 => new Platform(os, "386"),
            System.Runtime.InteropServices.Architecture.S390x => new Platform(os, "s390x"),
            System.Runtime.InteropServices.Architecture.Ppc64le => new Platform(os, "ppc64le"),
            System.Runtime.InteropServices.Architecture.RiscV64 => new Platform(os, "riscv64"),
            var a => new Platform(os, a.ToString().ToLowerInvariant()),
        };
    }

    /// <summary>Aliases as containerd's platforms package normalizes them (aarch64 → arm64, x86_64 → amd64; arm64 defaults to v8).</summary>
    private static (string Arch, string? Variant) NormalizeArch(string arch, string? variant) => arch switch
    {
        "x86_64" or "x86-64" => ("amd64", variant),
        "aarch64" or "arm64" => ("arm64", variant is null or "8" ? "v8" : variant),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        "arm" => ("arm", variant ?? "v7"),
        "i386" => ("386", variant),
        _ => (arch, variant),
    };

    /// <summary>True when an image built for <paramref name="candidate"/> runs here; a missing variant matches the default one.</summary>
    public bool Matches(Platform candidate)
    {
        if (!string.Equals(Os, candidate.Os, StringComparison.OrdinalIgnoreCase)) return false;
        var (arch, variant) = NormalizeArch(candidate.Architecture.ToLowerInvariant(), candidate.Variant?.ToLowerInvariant());
        if (arch != Architecture) return false;
        return Variant is null || variant is null || variant == Variant;
    }

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
