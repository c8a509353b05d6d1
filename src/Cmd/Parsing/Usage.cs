namespace PullCluster.Cmd.Parsing;

/// <summary>The --help texts, one per command; "" is the overview.</summary>
public static class Usage
{
    private const string GlobalOptions = """


        Global options (anywhere on the line):
          --socket PATH      the node's unix socket (env PULLCLUSTER_SOCKET; default /run/pullcluster/pullcluster.sock
                             when it exists or for root, else $XDG_RUNTIME_DIR/pullcluster/pullcluster.sock)
          --node HOST:PORT   reach the node over TCP instead, for remote administration (env PULLCLUSTER_NODE);
                             needs the node's admin token
          --token-file FILE  the admin token for --node (env PULLCLUSTER_TOKEN_FILE)
          --store DIR        the node's store, used when a node is started on demand on the socket
                             (env PULLCLUSTER_STORE, default $XDG_DATA_HOME/pullcluster or ~/.local/share/pullcluster)
          -h, --help         show help
          --version          show the version
        """;

    private static readonly Dictionary<string, string> Topics = new()
    {
        [""] = """
            Usage: pullcluster COMMAND [OPTIONS]

            Pulls container images through a PullCluster node, which fetches every blob once however many
            pulls ask for it. A node on this machine is started on demand when none answers on the socket.

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

            List pulled images, one line per platform an image was pulled for.

            Options:
              --platform OS/ARCH[/VARIANT]   list only the images pulled for that platform
              --json                         print the list as a JSON array
              -q, --quiet                    print image references only, each once
            """ + GlobalOptions,
        ["image rm"] = """
            Usage: pullcluster image rm IMAGE... [OPTIONS]

            Remove images from the node's store; layers still used by other images stay. Without --platform
            an image is removed for every platform it was pulled for, as docker image rm removes it.

            Options:
              --platform OS/ARCH[/VARIANT]   remove only the image pulled for that platform
            """ + GlobalOptions,
        ["image rootfs"] = """
            Usage: pullcluster image rootfs IMAGE DIR [OPTIONS]

            Write the image's flattened root filesystem to DIR, which must be missing (it is created) or
            empty. The node sends the files and pullcluster writes them with your rights: owners are kept
            only when you run it as root, and devices are skipped otherwise, as with tar -x.

            Options:
              --platform OS/ARCH[/VARIANT]   the image pulled for that platform (default: this machine's,
                                             or the only platform the image was pulled for)
            """ + GlobalOptions,
        ["image export"] = """
            Usage: pullcluster image export IMAGE DIR [OPTIONS]

            Write the image as an OCI image layout (oci-layout, index.json, blobs/) to DIR, which must be
            missing (it is created) or empty. pullcluster writes the files with your rights.

            Options:
              --platform OS/ARCH[/VARIANT]   the image pulled for that platform (default: this machine's,
                                             or the only platform the image was pulled for)
            """ + GlobalOptions,
        ["node"] = """
            Usage: pullcluster node start|stop|status

            Commands:
              start    start a node for --store on --socket unless one answers there
              stop     stop the node that pullcluster started for --store
              status   ask the node (on --socket, or at --node) whether it answers
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
