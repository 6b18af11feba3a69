import pytest

from centrala.core.links import local_path


@pytest.mark.parametrize("url", ["/", "/cases/5/", "/cases/?q=Jan&page=2", "/contacts/7/#consents"])
def test_paths_on_this_site_are_kept(url):
    assert local_path(url) == url


@pytest.mark.parametrize("url", [
    "", None, "https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "cases/5/", "http://testserver/cases/5/",
])
def test_anything_that_could_leave_the_site_is_refused(url):
    assert local_path(url) == ""
