"""What every command does before its work; a command that asks its device worker for a render first
(`edit-shot`) does it once it has asked."""


def start_up() -> None:
    """What every command does before its work: Dagster's notices quietened, fewer malloc arenas, and the
    encoder the render profile needs checked for."""
    import av

    from aiprod_assets.media.arenas import fewer_malloc_arenas
    from aiprod_assets.warning_filters import quiet_dagster_notices

    quiet_dagster_notices()
    fewer_malloc_arenas()

    # The wheel carries libx264; a build without it cannot meet the render profile.
    av.Codec("libx264", "w")
