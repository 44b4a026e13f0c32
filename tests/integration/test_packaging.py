"""The package as an operator installs it without ``-e``: a wheel, as the Toolforge Build
Service or ``pip install .`` builds it.

The top-level ``templates_wikitext/`` folder must travel inside the wheel (package data,
``leadership_bot/templates_wikitext``), and an installation without it must fail, not publish
nothing and exit 0.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from leadership_bot.core.publishing import CHECKOUT_DIR, SUFFIXES, template_pages
from leadership_bot.core.settings import Settings

from .botrun import write_config

ROOT = Path(__file__).parents[2]
SOURCES = ('pyproject.toml', 'README.md', 'leadership_bot', 'templates_wikitext')


@pytest.fixture(scope='module')
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources (the checkout stays untouched)."""
    source = tmp_path_factory.mktemp('source')
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name,
                            ignore=shutil.ignore_patterns('__pycache__'))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp('wheel')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(source), '--no-deps', '-q',
                    '-w', str(out)], check=True, capture_output=True, timeout=300)
    [built] = out.glob('*.whl')
    return built


@pytest.fixture(scope='module')
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel installed (``pip install --target``) into a folder of its own."""
    target = tmp_path_factory.mktemp('site')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q', '--target',
                    str(target), str(wheel)], check=True, capture_output=True, timeout=300)
    return target


def run_installed(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python with the installed package first and this environment's dependencies after,
    without ``site`` (so the checkout's editable install cannot answer for it)."""
    env = {'PYTHONPATH': f'{target}:{sysconfig.get_paths()["purelib"]}', 'PATH': '/usr/bin:/bin',
           'HOME': str(target)}
    return subprocess.run([sys.executable, '-S', *args], capture_output=True, text=True,
                          timeout=300, check=False, cwd=target, env=env,
                          stdin=subprocess.DEVNULL)


def test_the_wheel_holds_every_module_and_template_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f'leadership_bot/templates_wikitext/{p.relative_to(CHECKOUT_DIR).as_posix()}'
                 for p in CHECKOUT_DIR.rglob('*') if p.name.endswith(SUFFIXES)}
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / 'leadership_bot').rglob('*.py')
               if '__pycache__' not in p.parts}
    messages = {p.relative_to(ROOT).as_posix()
                for p in (ROOT / 'leadership_bot' / 'i18n').glob('*.json')}
    assert templates and templates <= names, sorted(templates - names)
    assert modules <= names, sorted(modules - names)
    assert messages <= names, sorted(messages - names)
    assert {n for n in names if n.startswith('leadership_bot/templates_wikitext/')} == templates


def test_the_wheel_holds_no_development_tooling(wheel: Path) -> None:
    """The local wiki harness, seeding and their fixed loopback passwords stay out."""
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    assert not [n for n in names if n.split('/')[0] in ('devwiki', 'tests', 'bench')]
    assert not [n for n in names if '/' not in n and n.endswith('.py')]  # no top-level module
    from devwiki.localwiki import ADMIN, BOT, BOT_PASSWORD_TOKEN, REVIEWER
    secrets = {a.password for a in (ADMIN, BOT, REVIEWER)} | {BOT_PASSWORD_TOKEN}
    leaked = [n for n in names if any(s.encode() in archive.read(n) for s in secrets)]
    assert not leaked


def test_the_installed_package_publishes_its_own_templates(installed: Path) -> None:
    """Read from the installed package's data: the same pages as from the checkout."""
    result = run_installed(installed, '-c', (
        'from leadership_bot.core.publishing import templates_root, template_pages\n'
        'from leadership_bot.core.settings import Settings\n'
        'print(templates_root())\n'
        'print("\\n".join(template_pages(Settings())))\n'))
    assert result.returncode == 0, result.stderr
    root, *titles = result.stdout.splitlines()
    assert str(installed / 'leadership_bot' / 'templates_wikitext') in root
    assert titles == list(template_pages(Settings()))


def test_an_installation_without_templates_fails(installed: Path, pywikibot_dir: Path,
                                                 tmp_path: Path) -> None:
    """No template files: install-templates exits 1 with one line saying why."""
    broken = tmp_path / 'site'
    shutil.copytree(installed, broken)
    shutil.rmtree(broken / 'leadership_bot' / 'templates_wikitext')
    config = write_config(tmp_path / 'local.yaml', {'site': 'local:local'})
    result = run_installed(broken, '-m', 'leadership_bot', 'install-templates',
                           f'-settings:{config}', f'-dir:{pywikibot_dir}')
    assert result.returncode == 1, (result.stdout, result.stderr)
    [line] = [line for line in result.stderr.splitlines()
              if line.startswith('leadership-bot: failed')]
    assert line.startswith('leadership-bot: failed: install-templates: no template files')
    assert 'reinstall' in line
