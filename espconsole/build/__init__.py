"""Project → LFS image: finds the project's modules, compiles only what changed, writes the image atomically (uses vm.compile and vm.lfs)."""

from espconsole.build.builder import (
    BuildProblem, BuildResult, ModuleStatus, ProjectBuilder, build_project, find_sources,
)

__all__ = ["BuildProblem", "BuildResult", "ModuleStatus", "ProjectBuilder", "build_project",
           "find_sources"]
