namespace PullCluster.Cmd.Parsing;

/// <summary>The --help texts, one per command; "" is the overview.</summary>
public static class Usage
{
    private const string GlobalOptions = """


        Global options (anywhere on the line):
          --node HOST:PORT   the node's gateway (env PULLCLUSTER_NODE, default 127.0.0.1:9110)
          --store DIR        the node's store, used when a local node is started on demand
                             (env PULLCLUSTER_STORE, default $XDG_DATA_HOME/pullcluster or ~/.local/share/pullcluster)
          -h, --help         show help
          --version          show the version
        """;

    private static readonly Dictionary<string, string> Topics = new()
    {
        [""] = """
            Usage: pullcluster COMMAND [OPTIONS]

            Pulls container images through a PullCluster node, which fetches every blob once however many
            pulls ask for it. A node on this machine is started on demand when none answers.

            Commands:
              pull IMAGE            pull an image
              image ls              list pulled images (alias: images)
              image rm IMAGE...     remove images
              image rootfs IMAGE DIR
                                    write the image's flattened filesystem to DIR
              image export IMAGE DIR
                                    write the image as an OCI image layout to DIR
              node start|stop|status
                                    manage the local node
              help [COMMAND]        show help for a command
            """ + GlobalOptions + """


            Exit status: 0 on success, 1 when the command failed, 2 when the command line is wrong.
            """,
        ["pull"] = """
            Usage: pullcluster pull IMAGE [OPTIONS]

            Pull an image, showing per-layer progress (one line per state change when output is not a terminal).

            Options:
              --platform OS/ARCH[/VARIANT]   the platform to pull from a multi-platform image (default: this machine's)
              --json                         print no progress, only the result as one JSON object
              -q, --quiet                    print no progress, only the image reference
            """ + GlobalOptions,
        ["image"] = """
            Usage: pullcluster image COMMAND

            Commands:
              ls                    list pulled images (alias: pullcluster images)
              rm IMAGE...           remove images
              rootfs IMAGE DIR      write the image's flattened filesystem to DIR
              export IMAGE DIR      write the image as an OCI image layout to DIR
            """ + GlobalOptions,
        ["image ls"] = """
            Usage: pullcluster image ls [OPTIONS]
                   pullcluster images [OPTIONS]

            List pulled images.

            Options:
              --json        print the list as a JSON array
              -q, --quiet   print image references only
            """ + GlobalOptions,
        ["image rm"] = """
            Usage: pullcluster image rm IMAGE...

            Remove images from the node's store; layers still used by other images stay.
            """ + GlobalOptions,
        ["image rootfs"] = """
            Usage: pullcluster image rootfs IMAGE DIR

            Write the image's flattened root filesystem to DIR, which must be missing (it is created) or
            empty. The node sends the files and pullcluster writes them with your rights: owners are kept
            only when you run it as root, and devices are skipped otherwise, as with tar -x.
            """ + GlobalOptions,
        ["image export"] = """
            Usage: pullcluster image export IMAGE DIR

            Write the image as an OCI image layout (oci-layout, index.json, blobs/) to DIR, which must be
            missing (it is created) or empty. pullcluster writes the files with your rights.
            """ + GlobalOptions,
        ["node"] = """
            Usage: pullcluster node start|stop|status

            Commands:
              start    start a node for --store at --node (loopback addresses only) unless one answers
              stop     stop the node that pullcluster started for --store
              status   ask the node at --node whether it answers
            """ + GlobalOptions,
        ["version"] = """
            Usage: pullcluster version

            Show the version of this pullcluster.
            """,
    };

    static Usage()
    {
        Topics["node start"] = Topics["node stop"] = Topics["node status"] = Topics["node"];
    }

    public static bool HasTopic(string topic) => Topics.ContainsKey(topic);

    public static string For(string topic) => Topics[topic];
}
