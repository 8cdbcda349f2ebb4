import pytest


@pytest.fixture(scope="session")
def jit_cache(tmp_path_factory):
    """One compiled-code cache for the session, so that no test touches ~/.cache."""
    return tmp_path_factory.mktemp("jit-cache")
