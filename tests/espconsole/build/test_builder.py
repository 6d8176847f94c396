"""The incremental project builder: cold and incremental builds agree byte for byte, errors are structured, failed builds keep the last image."""

import shutil
from pathlib import Path

import pytest

import vm.lfs
from espconsole.build import ProjectBuilder, build_project
from espconsole.build.atomic import write_atomic
from espconsole.build.builder import syntax_problem
from tests.oracles import GOLDEN_DIR, REPO_DIR

TIMESTAMP = 1767225600
COMBINED = ["mod_basic.lua", "closures.lua", "varargs.lua", "strings.lua", "manyconst.lua"]


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "blinky"
    shutil.copytree(REPO_DIR / "examples" / "blinky", root,
                    ignore=shutil.ignore_patterns(".espconsole"))
    return root


def test_cold_build_writes_a_valid_image(project):
    result = build_project(project, timestamp=TIMESTAMP)
    assert result.ok and result.written and not result.problems
    assert result.output == project / ".espconsole" / "lfs.img"
    data = result.output.read_bytes()
    assert data == result.data
    image = vm.lfs.read_image(data)
    assert [m.name.decode() for m in image.modules] == [m.name for m in result.modules]
    assert image.flash_size == result.flash_size and image.timestamp == TIMESTAMP
    assert all(m.compiled for m in result.modules)


def test_golden_project_matches_luac_cross(tmp_path):
    for name in COMBINED:
        shutil.copy(GOLDEN_DIR / name, tmp_path / name)
    (tmp_path / "espconsole.toml").write_text(
        "[lfs]\nsources = [" + ", ".join(f'"{n}"' for n in COMBINED) + "]\n"
        f"timestamp = {TIMESTAMP}\noutput = \"out/lfs.img\"\n")
    result = build_project(tmp_path)
    assert result.ok
    assert (tmp_path / "out" / "lfs.img").read_bytes() == \
        (GOLDEN_DIR / "combined.lfs51.img").read_bytes()


def test_incremental_build_recompiles_only_the_changed_module(project):
    builder = ProjectBuilder(project, timestamp=TIMESTAMP)
    assert builder.build().ok
    led = project / "lfs" / "led.lua"
    led.write_text(led.read_text().replace("\nreturn M", "\nM.edited = 42\nreturn M"))
    result = builder.build()
    assert result.ok
    assert result.compiled == ["led"]
    assert sorted(result.reused) == ["_init", "app", "config"]
    cold = ProjectBuilder(project, timestamp=TIMESTAMP, disk_cache=False).build(write=False)
    assert cold.data == result.data == result.output.read_bytes()


def test_unchanged_project_reuses_everything(project):
    builder = ProjectBuilder(project, timestamp=TIMESTAMP)
    first = builder.build()
    again = builder.build()
    assert again.ok and again.compiled == [] and again.data == first.data


def test_disk_cache_survives_the_builder(project):
    ProjectBuilder(project, timestamp=TIMESTAMP).build()
    result = ProjectBuilder(project, timestamp=TIMESTAMP).build()
    assert result.ok and result.compiled == []
    assert any((project / ".espconsole" / "cache" / "lfs").iterdir())


def test_syntax_error_is_structured_and_keeps_the_last_image(project):
    builder = ProjectBuilder(project, timestamp=TIMESTAMP)
    good = builder.build()
    (project / "lfs" / "broken.lua").write_text("local x = 1\n\nif x then\n  x = = 2\nend\n")
    result = builder.build()
    assert not result.ok and not result.written
    assert [(p.file, p.line) for p in result.problems] == [("lfs/broken.lua", 4)]
    assert "unexpected symbol" in result.problems[0].message
    assert str(result.problems[0]).startswith("lfs/broken.lua:4: ")
    assert good.output.read_bytes() == good.data


def test_unfinished_string_error(project):
    (project / "lfs" / "broken.lua").write_text('print("oops)\n')
    problem = build_project(project, timestamp=TIMESTAMP).problems[0]
    assert (problem.file, problem.line) == ("lfs/broken.lua", 1)
    assert "unfinished string" in problem.message


def test_duplicate_module_names(project):
    (project / "more").mkdir()
    (project / "more" / "led.lua").write_text("return 1\n")
    (project / "espconsole.toml").write_text('[lfs]\nsources = ["lfs", "more"]\n')
    result = build_project(project, timestamp=TIMESTAMP)
    assert not result.ok
    assert "duplicate" in result.problems[0].message and result.problems[0].file == "more/led.lua"


def test_too_many_modules(project):
    for i in range(48):
        (project / "lfs" / f"m{i}.lua").write_text(f"return {i}\n")
    result = build_project(project, timestamp=TIMESTAMP)
    assert not result.ok and "too many LFS modules: 52" in result.problems[0].message


def test_image_larger_than_max_size(project):
    (project / "lfs" / "big.lua").write_text(
        "return {" + ",".join(f'"string number {i}"' for i in range(400)) + "}\n")
    (project / "espconsole.toml").write_text("[lfs]\nmax_size = 4096\n")
    result = build_project(project, timestamp=TIMESTAMP)
    assert not result.ok and not result.output.exists()
    assert "larger than the LFS size of 4096 bytes" in result.problems[0].message


def test_missing_sources(tmp_path):
    result = build_project(tmp_path)
    assert not result.ok and "lfs does not exist" in result.problems[0].message


def test_variant_from_config(project):
    (project / "espconsole.toml").write_text('[lfs]\nvariant = "integer"\n')
    result = build_project(project, timestamp=TIMESTAMP)
    assert result.ok
    assert vm.lfs.read_image(result.data).variant is vm.lfs.INTEGER


def test_write_atomic_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "file.bin"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_syntax_problem_with_shortened_chunk_name():
    error = vm.LuaSyntaxError(b"...very/long/path/x.lua:12: 'end' expected")
    problem = syntax_problem(error, "some/very/long/path/x.lua")
    assert (problem.line, problem.message) == (12, "'end' expected")


def test_fast_compression_builds_the_same_image_in_a_zlib_container(project):
    exact = ProjectBuilder(project, timestamp=TIMESTAMP, disk_cache=False).build(write=False)
    builder = ProjectBuilder(project, timestamp=TIMESTAMP, compression="fast")
    fast = builder.build()
    assert fast.ok and exact.ok and fast.data != exact.data
    assert vm.lfs.gunzip_for_device(fast.data) == vm.lfs.gunzip_for_device(exact.data)
    led = project / "lfs" / "led.lua"
    led.write_text(led.read_text().replace("\nreturn M", "\nM.edited = 1\nreturn M"))
    incremental = builder.build()
    cold = ProjectBuilder(project, timestamp=TIMESTAMP, compression="fast",
                          disk_cache=False).build(write=False)
    assert incremental.compiled == ["led"] and incremental.data == cold.data


def test_each_new_image_gets_a_later_timestamp_even_within_one_second(project):
    builder = ProjectBuilder(project, disk_cache=False)
    first = builder.build(write=False)
    again = builder.build(write=False)
    assert again.timestamp == first.timestamp and again.data == first.data
    led = project / "lfs" / "led.lua"
    times = [first.timestamp]
    for n in range(3):
        led.write_text(led.read_text() + f"\n-- edit {n}\n")
        times.append(builder.build(write=False).timestamp)
    assert times == sorted(set(times))
