using Akka.Actor;
using Akka.Actor.Setup;

namespace PullCluster.Tests.Api;

/// <summary>
/// A program's actor system in the test process, terminated asynchronously: ActorSystem.Dispose blocks a thread on
/// the shutdown, and a test that blocks that way while a refused TLS association is torn down could hang the host.
/// </summary>
public sealed class RemoteProgram(ActorSystem system, IDisposable? credentials = null) : IAsyncDisposable
{
    public ActorSystem System { get; } = system;

    public static RemoteProgram Create(string name, ActorSystemSetup setup, IDisposable? credentials = null) =>
        new(ActorSystem.Create(name, setup), credentials);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await System.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            credentials?.Dispose();
        }
    }
}
