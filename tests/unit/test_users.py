"""The users file and the rules built on it, without a server: argon2id hashes only (never the
password), atomic 0600 writes, `askbrief users` reading the password from standard input,
loopback detection, roles, read-only, rate-limit messages and sign-in against the file.
(A real `askbrief users add` process, and sign-in slowed by real waits: tests/system/test_users.py.)

Here, what needs no model and no index; the rest: tests/system/test_users.py."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from support.users import PASSWORD, file_mode

from askbrief import Settings
from askbrief.access.rules import READ_ONLY, Access, RateLimits, Users, is_loopback, problem_serving
from askbrief.access.users import add_user, load_users, remove_user, verify
from askbrief.cli.main import cli
from askbrief.errors import AskbriefError


def test_the_file_holds_an_argon2id_hash_never_the_password(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    assert add_user(path, "alice", "editor", PASSWORD)
    raw = path.read_bytes()
    assert PASSWORD.encode() not in raw
    entry = json.loads(raw)["users"]["alice"]
    assert entry["role"] == "editor" and entry["hash"].startswith("$argon2id$")
    assert PasswordHasher().verify(entry["hash"], PASSWORD)  # the library's own check agrees
    assert file_mode(path) == 0o600
    users = load_users(path)
    assert verify(users, "alice", PASSWORD) == users["alice"]
    assert verify(users, "alice", PASSWORD + "!") is None
    assert verify(users, "nobody", PASSWORD) is None


def test_the_same_password_gets_a_new_salt_each_time(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    add_user(path, "alice", "reader", PASSWORD)
    add_user(path, "bob", "reader", PASSWORD)
    users = load_users(path)
    assert users["alice"].hash != users["bob"].hash


def test_writes_are_atomic_and_private_even_over_an_open_file(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    add_user(path, "alice", "reader", PASSWORD)
    path.chmod(0o644)  # someone loosened it: the next write makes a new 0600 file
    before = path.stat().st_ino
    add_user(path, "bob", "editor", PASSWORD)
    assert path.stat().st_ino != before  # a new file renamed over the old one
    assert file_mode(path) == 0o600
    assert sorted(load_users(path)) == ["alice", "bob"]
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_add_refuses_a_taken_name_unless_replaced_and_remove_removes(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    add_user(path, "alice", "reader", PASSWORD)
    with pytest.raises(AskbriefError, match="already exists.*--replace"):
        add_user(path, "alice", "editor", "another password")
    assert not add_user(path, "alice", "editor", "another password", replace=True)
    users = load_users(path)
    assert users["alice"].role == "editor" and verify(users, "alice", "another password")
    remove_user(path, "alice")
    assert load_users(path) == {}
    with pytest.raises(AskbriefError, match="no user 'alice'"):
        remove_user(path, "alice")


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("al ice", "reader", PASSWORD, "not a usable user name"),
        ("", "reader", PASSWORD, "not a usable user name"),
        ("alice", "admin", PASSWORD, "role 'admin'"),
        ("alice", "reader", "short", "too short"),
    ],
)
def test_bad_names_roles_and_passwords_are_refused(
    tmp_path: Path, name: str, role: str, password: str, message: str
) -> None:
    with pytest.raises(AskbriefError, match=message):
        add_user(tmp_path / "team.json", name, role, password)
    assert not (tmp_path / "team.json").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"users": {"eve": {"role": "editor", "hash": "hunter22"}}}', "no argon2id hash"),
        ('{"users": {"eve": {"role": "editor", "hash": "$2b$12$abc"}}}', "no argon2id hash"),
        ('{"users": {"eve": {"role": "owner", "hash": "$argon2id$x"}}}', "no role"),
        ('{"people": {}}', 'no "users" object'),
        ("{not json", "bad JSON"),
    ],
)
def test_a_file_with_anything_but_argon2id_hashes_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "team.json"
    path.write_text(content)
    with pytest.raises(AskbriefError, match=message):
        load_users(path)


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(AskbriefError, match="askbrief users add NAME --role"):
        load_users(tmp_path / "none.json")


def test_users_list_remove_and_one_line_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    path = str(tmp_path / "team.json")
    add = ["users", "add", "alice", "--role", "editor", "--users", path]
    assert runner.invoke(cli, add, input=PASSWORD + "\n").exit_code == 0
    listed = runner.invoke(cli, ["users", "list", "--users", path])
    assert listed.exit_code == 0 and listed.stdout == "alice\teditor\n"
    again = runner.invoke(cli, add, input=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    assert len(again.output.strip().splitlines()) == 1
    short = runner.invoke(cli, ["users", "add", "bob", "--users", path], input="abc\n")
    assert short.exit_code == 1 and "too short" in short.output
    empty = runner.invoke(cli, ["users", "add", "bob", "--users", path], input="")
    assert empty.exit_code == 1 and "no password on standard input" in empty.output
    gone = runner.invoke(cli, ["users", "remove", "alice", "--users", path])
    assert gone.exit_code == 0 and load_users(Path(path)) == {}


def test_users_commands_want_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASKBRIEF_USERS", raising=False)
    result = CliRunner().invoke(cli, ["users", "list"])
    assert result.exit_code == 2 and "give --users FILE or set ASKBRIEF_USERS" in result.output


# ---------------------------------------------------------------- where it may listen


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("127.255.255.254", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("example.org", False),
        ("128.0.0.1", False),
    ],
)
def test_loopback_is_this_machine_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_beyond_loopback_needs_a_users_file(tmp_path: Path) -> None:
    open_settings = Settings.load(users="")
    problem = problem_serving("0.0.0.0", open_settings)
    assert problem is not None and "\n" not in problem
    assert "--users FILE" in problem and "ASKBRIEF_USERS" in problem
    assert "askbrief users add" in problem
    assert problem_serving("127.0.0.1", open_settings) is None
    assert problem_serving("0.0.0.0", Settings.load(users=str(tmp_path / "t.json"))) is None
    # read-only alone is not enough: it stops uploads, not strangers reading the articles
    assert problem_serving("0.0.0.0", Settings.load(users="", read_only=True)) is not None


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKBRIEF_USERS", "/srv/team.json")
    monkeypatch.setenv("ASKBRIEF_READ_ONLY", "yes")
    monkeypatch.setenv("ASKBRIEF_QUESTION_LIMIT", "5/second")
    monkeypatch.setenv("ASKBRIEF_FILES_PER_UPLOAD", "3")
    settings = Settings.load()
    assert settings.users_file == Path("/srv/team.json") and settings.read_only
    assert (settings.question_limit, settings.files_per_upload) == ("5/second", 3)
    monkeypatch.setenv("ASKBRIEF_QUESTION_LIMIT", "lots")
    with pytest.raises(AskbriefError, match="ASKBRIEF_QUESTION_LIMIT='lots' is not a rate limit"):
        RateLimits(Settings.load().question_limit, "")


# ---------------------------------------------------------------- roles and limits


@pytest.fixture
def team(tmp_path: Path) -> Path:
    path = tmp_path / "team.json"
    add_user(path, "alice", "editor", PASSWORD)
    add_user(path, "rita", "reader", PASSWORD)
    return path


def test_without_a_users_file_everyone_edits_and_nothing_is_limited() -> None:
    access = Access(limits=RateLimits("1/minute", "1/hour"))
    assert not access.signs_in
    assert access.role(None) == "editor" and access.may_edit(None)
    assert access.edit_refusal(None) is None
    assert all(access.question_refusal(None) is None for _ in range(5))
    assert all(access.file_refusal(None) is None for _ in range(5))


def test_readers_ask_editors_also_edit_and_read_only_stops_everyone(team: Path) -> None:
    access = Access(users=Users(team))
    assert access.role("rita") == "reader" and access.role("alice") == "editor"
    assert access.may_edit("alice") and not access.may_edit("rita")
    refusal = access.edit_refusal("rita")
    assert refusal == "rita is a reader: only editors may upload articles or re-index."
    assert access.edit_refusal("alice") is None
    assert access.question_refusal("rita") is None
    assert "not a user" in (access.edit_refusal("mallory") or "")
    assert "not a user" in (access.question_refusal("mallory") or "")
    locked = Access(users=Users(team), read_only=True)
    assert locked.edit_refusal("alice") == READ_ONLY and not locked.may_edit("alice")
    assert Access(read_only=True).edit_refusal(None) == READ_ONLY


def test_changes_to_the_users_file_apply_without_a_restart(team: Path) -> None:
    access = Access(users=Users(team))
    add_user(team, "rita", "editor", PASSWORD, replace=True)
    assert access.may_edit("rita")
    remove_user(team, "alice")
    assert access.role("alice") is None
    team.write_text("{broken")  # a bad edit keeps the last good users
    assert access.role("rita") == "editor"


def test_an_empty_users_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "team.json"
    path.write_text('{"users": {}}')
    with pytest.raises(AskbriefError, match="no users yet"):
        Users(path)


def test_rate_limits_count_per_user_and_say_when_to_come_back(team: Path) -> None:
    access = Access(users=Users(team), limits=RateLimits("2/minute", "3/hour"))
    assert access.question_refusal("rita") is None
    assert access.question_refusal("rita") is None
    message = access.question_refusal("rita")
    assert message is not None and "\n" not in message
    assert message.startswith("Rate limit reached: at most 2 questions per minute for each user")
    assert "try again in" in message
    assert access.question_refusal("alice") is None  # counted per user
    assert [access.file_refusal("alice") for _ in range(3)] == [None] * 3
    assert "at most 3 files per hour" in (access.file_refusal("alice") or "")
    assert access.count_refusal(20) is None
    assert access.count_refusal(21) == "21 files in one upload; send at most 20 at a time."


# ---------------------------------------------------------------- sign-in


def test_sign_in_checks_the_users_file(team: Path) -> None:
    access = Access(users=Users(team), signin_delay=0)

    async def tries() -> list[bool]:
        return [
            await access.sign_in("alice", PASSWORD),
            await access.sign_in("alice", "wrong password"),
            await access.sign_in("mallory", PASSWORD),
            await access.sign_in("rita", PASSWORD),
        ]

    assert asyncio.run(tries()) == [True, False, False, True]
