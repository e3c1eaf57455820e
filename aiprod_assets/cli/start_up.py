"""What every command does before its work; a command that asks its device worker for a render first
(`run`, `edit-shot`) does it once it has asked, working on its store meanwhile without Dagster."""

from functools import cache

# Commands that ask their device worker for a render before they load Dagster; they start up once they have asked.
ASKING_BEFORE_DAGSTER = ("run", "edit-shot")


@cache
def start_up() -> None:
    """What every command does before its work, once: Dagster's notices quietened, fewer malloc arenas, and
    the encoder the render profile needs checked for."""
    import av

    from aiprod_assets.media.arenas import fewer_malloc_arenas
    from aiprod_assets.warning_filters import quiet_dagster_notices

    quiet_dagster_notices()
    fewer_malloc_arenas()

    # The wheel carries libx264; a build without it cannot meet the render profile.
    av.Codec("libx264", "w")


def store_before_dagster():
    """(the store, its location) without loading Dagster where the store is a folder on this disk; a GCS
    store's client comes with Dagster's resources, so there the command starts up first."""
    from aiprod_assets.local_folder import LocalFolderStore
    from aiprod_assets.paths import store_root

    location = store_root()
    if not location.startswith("gs://"):
        return LocalFolderStore(location), location
    from aiprod_assets.cli.local_env import LocalEnvironment

    start_up()
    env = LocalEnvironment.from_env()
    return env.store, env.location
