"""The 15-document question sets stay valid: every anchor verbatim and unique in its document, fields sound."""
import pytest

from eval import check_question_sets as check


@pytest.mark.skipif(not check.POLICIES.is_dir(), reason="../shared/policies is not beside the checkout")
def test_policy_question_sets_have_valid_anchors_and_fields(capsys):
    assert check.main() == 0, capsys.readouterr().out
