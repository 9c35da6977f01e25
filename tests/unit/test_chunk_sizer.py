from sync.uploads import FIRST_CHUNK, MAX_CHUNK, MIN_CHUNK, TARGET_CHUNK_S, ChunkSizer


def test_chunks_grow_on_a_fast_link_up_to_the_cap() -> None:
    sizer = ChunkSizer()
    for _ in range(10):
        sizer.observe(sizer.size, 0.1)
    assert sizer.size == MAX_CHUNK


def test_chunks_shrink_on_gprs_towards_the_target_duration() -> None:
    sizer = ChunkSizer()
    gprs_bytes_per_s = 40_000 / 8
    for _ in range(10):
        sizer.observe(sizer.size, sizer.size / gprs_bytes_per_s)
    assert sizer.size == max(MIN_CHUNK, int(gprs_bytes_per_s * TARGET_CHUNK_S))


def test_one_odd_measurement_moves_the_size_at_most_fourfold() -> None:
    sizer = ChunkSizer()
    sizer.observe(FIRST_CHUNK, 1000.0)
    assert sizer.size == max(MIN_CHUNK, FIRST_CHUNK // 4)
    sizer = ChunkSizer()
    sizer.observe(FIRST_CHUNK, 0.0001)
    assert sizer.size == FIRST_CHUNK * 4
