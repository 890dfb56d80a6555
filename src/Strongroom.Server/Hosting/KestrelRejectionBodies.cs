using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Strongroom.Server.Hosting;

/// <summary>
/// Gives a body to the errors Kestrel answers itself. A request Kestrel cannot parse (a NUL in the decoded target, header bytes
/// that are not ASCII, a request line or headers too long) is refused before any middleware runs, with a bare status and an
/// empty body; every other error of the vault has a body in its dialect's shape. This connection middleware recognises
/// exactly that answer on the way out — a 4xx (or 505) with <c>Content-Length: 0</c> and <c>Connection: close</c>, which the
/// application never sends, since <see cref="DialectErrors"/> gives every error of its own a body — and rewrites it with the
/// dialect's body, chosen by the path of the request line Kestrel was reading (Guardian's when it cannot be read).
/// </summary>
internal static class KestrelRejectionBodies
{
    public static void UseRejectionBodies(this ListenOptions listen) =>
        listen.Use(next => connection =>
        {
            connection.Transport = new RewritingPipe(connection.Transport);
            return next(connection);
        });

    private sealed class RewritingPipe : IDuplexPipe
    {
        private readonly RequestLineReader _input;

        public RewritingPipe(IDuplexPipe inner)
        {
            _input = new RequestLineReader(inner.Input);
            Output = new RejectionWriter(inner.Output, _input);
        }

        public PipeReader Input => _input;

        public PipeWriter Output { get; }
    }

    /// <summary>
    /// Passes the connection's input through, remembering the start of the target of the last request line it saw. This runs on
    /// every read, so it only scans the first segment and copies at most <see cref="TargetPrefix"/> bytes into a buffer it reuses;
    /// the target becomes a string only when an answer is rewritten.
    /// </summary>
    private sealed class RequestLineReader(PipeReader inner) : PipeReader
    {
        /// <summary>Enough of a target to tell its route family (<see cref="DialectErrors.ByPath"/> looks at the first segments).</summary>
        private const int TargetPrefix = 128;

        private readonly byte[] _target = new byte[TargetPrefix];
        private int _targetLength;

        public string? LastTarget => _targetLength == 0 ? null : Encoding.ASCII.GetString(_target, 0, _targetLength);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            ReadResult result = await inner.ReadAsync(cancellationToken);
            Remember(result.Buffer);
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result))
            {
                return false;
            }

            Remember(result.Buffer);
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        /// <summary>A buffer that starts with <c>METHOD SP target</c> starts a request: keep the start of its target.</summary>
        private void Remember(ReadOnlySequence<byte> buffer)
        {
            ReadOnlySpan<byte> head = buffer.FirstSpan;
            int method = head.Length > 12 ? head[..12].IndexOf((byte)' ') : head.IndexOf((byte)' ');
            if (method is < 3 or > 10 || head[..method].ContainsAnyExceptInRange((byte)'A', (byte)'Z'))
            {
                return;
            }

            ReadOnlySpan<byte> rest = head[(method + 1)..];
            rest = rest[..Math.Min(rest.Length, TargetPrefix)];
            int end = rest.IndexOfAny((byte)' ', (byte)'\r');
            if (end < 0)
            {
                end = rest.Length;
            }

            if (end > 0 && rest[0] == (byte)'/')
            {
                rest[..end].CopyTo(_target);
                _targetLength = end;
            }
        }
    }

    private sealed class RejectionWriter(PipeWriter inner, RequestLineReader requests) : PipeWriter
    {
        private static readonly byte[] ZeroLength = "\r\nContent-Length: 0\r\n"u8.ToArray();
        private static readonly byte[] Close = "\r\nConnection: close\r\n"u8.ToArray();
        private Memory<byte> _last;

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _last = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_last = inner.GetMemory(sizeHint)).Span;

        public override void Advance(int bytes)
        {
            if (bytes > 0 && bytes <= _last.Length && IsBareRejection(_last.Span[..bytes], out int status))
            {
                // Not advanced: the bytes Kestrel wrote are dropped, and the answer with a body is written in their place.
                byte[] rewritten = Rewrite(_last.Span[..bytes].ToArray(), status);
                _last = default;
                inner.Write(rewritten);
                return;
            }

            _last = default;
            inner.Advance(bytes);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        private static bool IsBareRejection(ReadOnlySpan<byte> written, out int status)
        {
            status = 0;
            if (written.Length < 16 || !written.StartsWith("HTTP/1.1 "u8) || !written.EndsWith("\r\n\r\n"u8)
                || written.IndexOf(ZeroLength) < 0 || written.IndexOf(Close) < 0
                || !int.TryParse(written.Slice(9, 3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out status))
            {
                return false;
            }

            return status is (>= 400 and < 500) or 505;
        }

        private byte[] Rewrite(byte[] written, int status)
        {
            Http.JsonResponse error = DialectErrors.For(DialectErrors.ByPath(PathFor(requests.LastTarget ?? "/")), status);
            string headers = Encoding.ASCII.GetString(written, 0, written.Length - 2) // without the blank line
                .Replace("\r\nContent-Length: 0\r\n", $"\r\nContent-Length: {error.Body.Length}\r\n", StringComparison.Ordinal);
            return [.. Encoding.ASCII.GetBytes(headers + "Content-Type: application/json; charset=utf-8\r\n\r\n"), .. error.Body];
        }

        /// <summary>The request's path as routing would see it: the target without its query, percent-decoding left to chance (only the first segments matter).</summary>
        private static PathString PathFor(string target)
        {
            int query = target.IndexOf('?', StringComparison.Ordinal);
            string path = query < 0 ? target : target[..query];
            return new PathString(path);
        }
    }
}
