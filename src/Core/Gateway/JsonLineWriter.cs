using System.Globalization;
using System.Text;

namespace PullCluster.Core.Gateway;

/// <summary>
/// Writes one compact JSON value for the gateway: objects, arrays, strings, numbers and booleans, with null members
/// left out. Strings escape only what JSON requires (quote, backslash, control characters), so image
/// references and error messages stay readable.
/// </summary>
internal sealed class JsonLineWriter
{
    private readonly StringBuilder text = new(256);
    private bool needsComma;

    public JsonLineWriter BeginObject(string? name = null) => Open(name, '{');

    public JsonLineWriter EndObject() => Close('}');

    public JsonLineWriter BeginArray(string? name = null) => Open(name, '[');

    public JsonLineWriter EndArray() => Close(']');

    public JsonLineWriter String(string? name, string? value)
    {
        if (value is null) return this;
        Name(name);
        Quote(value);
        return this;
    }

    public JsonLineWriter Number(string? name, long value)
    {
        Name(name);
        text.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public JsonLineWriter Number(string name, double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, $"'{name}' must be a finite number");
        Name(name);
        // "R" is the shortest text that parses back to the same double.
        text.Append(value.ToString("R", CultureInfo.InvariantCulture));
        return this;
    }

    public JsonLineWriter Boolean(string name, bool value)
    {
        Name(name);
        text.Append(value ? "true" : "false");
        return this;
    }

    public JsonLineWriter Timestamp(string name, DateTimeOffset value) =>
        String(name, value.ToString("O", CultureInfo.InvariantCulture));

    public override string ToString() => text.ToString();

    /// <summary>The value and a line break, in one buffer so that it leaves in one write.</summary>
    public byte[] ToUtf8Line() => Encoding.UTF8.GetBytes(text.Append('\n').ToString());

    private JsonLineWriter Open(string? name, char bracket)
    {
        Name(name);
        text.Append(bracket);
        needsComma = false;
        return this;
    }

    private JsonLineWriter Close(char bracket)
    {
        text.Append(bracket);
        needsComma = true;
        return this;
    }

    private void Name(string? name)
    {
        if (needsComma) text.Append(',');
        needsComma = true;
        if (name is null) return;
        Quote(name);
        text.Append(':');
    }

    private void Quote(string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}
