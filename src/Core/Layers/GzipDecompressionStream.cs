using System.Runtime.InteropServices;
using static PullCluster.Core.Layers.Native;

namespace PullCluster.Core.Layers;

/// <summary>
/// Read-only gzip decoder on the zlib-ng that ships with .NET. Unlike GZipStream it fails on a stream that ends inside
/// a member (truncated download) and on bytes after the last member; concatenated members are read as one stream.
/// </summary>
internal sealed unsafe class GzipDecompressionStream : ReadOnlyStream
{
    private const int InputSize = 256 << 10;

    private readonly Stream _source;
    private readonly byte[] _input = GC.AllocateUninitializedArray<byte>(InputSize, pinned: true);
    private ZStream* _z;
    private bool _sourceDone;
    private bool _betweenMembers;
    private bool _done;

    public GzipDecompressionStream(Stream source)
    {
        _source = source;
        _z = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
        var rc = CompressionNative_InflateInit2_(_z, GzipWindowBits);
        if (rc != ZOk)
        {
            NativeMemory.Free(_z);
            _z = null;
            throw new InvalidOperationException($"zlib inflateInit2 failed ({rc})");
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_z == null, this);
        if (_done || buffer.Length == 0) return 0;
        fixed (byte* output = buffer)
        fixed (byte* input = _input)
        {
            while (true)
            {
                if (_z->AvailIn == 0 && !_sourceDone)
                {
                    var n = _source.Read(_input, 0, InputSize);
                    if (n == 0) _sourceDone = true;
                    _z->NextIn = input;
                    _z->AvailIn = (uint)n;
                }
                if (_betweenMembers)
                {
                    if (_z->AvailIn == 0 && _sourceDone)
                    {
                        _done = true;
                        return 0;
                    }
                    CompressionNative_InflateReset2_(_z, GzipWindowBits);
                    _betweenMembers = false;
                }
                if (_z->AvailIn == 0 && _sourceDone)
                    throw new InvalidDataException("gzip stream is truncated: it ends inside a compressed member");

                _z->NextOut = output;
                _z->AvailOut = (uint)buffer.Length;
                var availIn = _z->AvailIn;
                var rc = CompressionNative_Inflate(_z, ZNoFlush);
                var produced = buffer.Length - (int)_z->AvailOut;
                if (rc == ZStreamEnd) _betweenMembers = true;
                else if (rc == ZBufError && _z->AvailIn == availIn && produced == 0 && availIn > 0)
                    throw new InvalidDataException("gzip stream is corrupt: zlib made no progress");
                else if (rc is not (ZOk or ZBufError))
                    throw new InvalidDataException($"gzip stream is corrupt: {ZlibMessage(rc)}");
                if (produced > 0) return produced;
            }
        }
    }

    private string ZlibMessage(int rc) =>
        _z->Msg != null ? Marshal.PtrToStringUTF8((nint)_z->Msg) ?? $"zlib error {rc}" : $"zlib error {rc}";

    protected override void Dispose(bool disposing)
    {
        if (_z != null)
        {
            CompressionNative_InflateEnd(_z);
            NativeMemory.Free(_z);
            _z = null;
        }
        if (disposing) _source.Dispose();
        base.Dispose(disposing);
    }

    ~GzipDecompressionStream() => Dispose(false);

}
