using System.Text;
using PullCluster.Cmd;
using PullCluster.Cmd.Parsing;

var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
// Buffered: a table or a progress frame leaves in one write instead of one per Console.Write call.
var stdout = new StreamWriter(Console.OpenStandardOutput(), utf8, 16 * 1024) { AutoFlush = false };
var stderr = new StreamWriter(Console.OpenStandardError(), utf8) { AutoFlush = true };
return CliApp.Run(args, CliEnvironment.FromProcess(), stdout, stderr, OutputTarget.FromConsole());
