"""Deeploy's deployment API on top of this compiler.

    from deeploy.facade import (MemoryHierarchy, MemoryLevel, MemoryPlatformWrapper,
                                NetworkDeployer, MemoryDeployerWrapper, TilerDeployerWrapper)

    L3 = MemoryLevel("L3", ["L2"], 64_000_000)
    L2 = MemoryLevel("L2", ["L3", "L1"], 1_024_000)
    L1 = MemoryLevel("L1", ["L2"], 64_000)
    hierarchy = MemoryHierarchy([L3, L2, L1]); hierarchy.setDefaultMemoryLevel("L2")
    platform = MemoryPlatformWrapper("generic", hierarchy, L1)
    deployer = NetworkDeployer("network.onnx", platform, name="net")
    deployer = TilerDeployerWrapper(MemoryDeployerWrapper(deployer))
    deployer.generateFunction()
    deployer.result.write("out/")     # the same sources `deeploy.compile` writes

Scripts written for pulp-platform/Deeploy keep their structure; every stage runs our
pass pipeline (see deeploy/facade/deployer.py for the mapping, and "Coming from Deeploy"
in docs/ARCHITECTURE.md). Not imported by `import deeploy`.
"""

from __future__ import annotations

from deeploy.facade.buffers import (
    MemoryBlock,
    MemoryConstraint,
    NodeMemoryConstraint,
    PatternMemoryConstraints,
    TensorMemoryConstraint,
    VariableBuffer,
)
from deeploy.facade.deployer import NetworkDeployer, NetworkDeployerWrapper
from deeploy.facade.errors import DeeployAssertionError, StageOrderError
from deeploy.facade.memory import (
    DeploymentPlatform,
    MemoryHierarchy,
    MemoryLevel,
    MemoryPlatform,
    MemoryPlatformWrapper,
)
from deeploy.facade.memory_deployer import MemoryDeployerWrapper, MemoryLevelAwareDeployer
from deeploy.facade.tiler import DBOnlyL3Tiler, DBTiler, SBTiler, Tiler, TilerDeployerWrapper
from deeploy.facade.verbosity import CodeGenVerbosity

__all__ = [
    "CodeGenVerbosity",
    "DBOnlyL3Tiler",
    "DBTiler",
    "DeeployAssertionError",
    "DeploymentPlatform",
    "MemoryBlock",
    "MemoryConstraint",
    "MemoryDeployerWrapper",
    "MemoryHierarchy",
    "MemoryLevel",
    "MemoryLevelAwareDeployer",
    "MemoryPlatform",
    "MemoryPlatformWrapper",
    "NetworkDeployer",
    "NetworkDeployerWrapper",
    "NodeMemoryConstraint",
    "PatternMemoryConstraints",
    "SBTiler",
    "StageOrderError",
    "TensorMemoryConstraint",
    "Tiler",
    "TilerDeployerWrapper",
    "VariableBuffer",
]
