import os

import pytest

os.environ["ZKAOT_HAND_OFF"] = "0"      # no background compile outlives the test run (translator/tiering.py)


@pytest.fixture(scope="session")
def jit_cache(tmp_path_factory):
    """One compiled-code cache for the session, so that no test touches ~/.cache."""
    return tmp_path_factory.mktemp("jit-cache")
