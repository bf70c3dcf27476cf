"""`kravkoll serve` (the workspace in a browser) and `kravkoll users add`."""

from __future__ import annotations

import sys

import click

from engine.errors import InputError, UsageError

ledger_option = click.option("--ledger", "ledger_path", default=None, metavar="FIL",
                             help="Kravliggaren (SQLite). Standard: reports/kravliggare.sqlite.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADRESS",
              help="Adressen servern lyssnar på (127.0.0.1: bara den här datorn).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Porten servern lyssnar på.")
@ledger_option
@click.option("--rulebooks", default=None, metavar="MAPP",
              help="Mapp (eller fil) med regelböcker. Standard: ./rulebooks.")
@click.option("--https", "https", is_flag=True,
              help="Sidan nås över TLS (via en omvänd proxy): kakor märks Secure och HSTS skickas.")
@click.option("--proxy-user-header", "proxy_header", default=None, metavar="HUVUD",
              help="Ta användaren från detta huvud, satt av en betrodd omvänd proxy efter "
                   "regionens inloggning (av som standard; se README om riskerna).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Antal trådar som svarar på anrop.")
def serve_cmd(host, port, ledger_path, rulebooks, https, proxy_header, threads):
    """Starta arbetsytan i webbläsaren: Idag, Länet, Enhet, Krav med beslut, Inlämning, Brev,
    Regelbok och Egenkontroll, över kravliggaren. Servern är waitress; inget annat behöver
    startas. Skapa användare först med 'kravkoll users add'."""
    from engine.followup.ledger import DEFAULT_PATH
    from engine.web.serve import run

    path = ledger_path or str(DEFAULT_PATH)

    def ready(server):
        shown = f"[{host}]" if ":" in host else host
        sys.stdout.write(f"kravkoll serve: http{'s' if https else ''}://{shown}:{port}/ "
                         f"(kravliggare {path}); avsluta med Ctrl+C\n")
        sys.stdout.flush()

    try:
        run(path, host, port, rulebooks=rulebooks, https=https, proxy_user_header=proxy_header,
            threads=threads, ready=ready)
    except OSError as exc:
        if exc.errno in (98, 48):  # EADDRINUSE (Linux, macOS)
            raise UsageError.single(None, f"--port {port}: porten används redan; välj en annan") from None
        raise
    except KeyboardInterrupt:
        pass
    return 0


@click.group("users")
def users_group() -> None:
    """Användare av 'kravkoll serve': administratör, handläggare, läsare och enhet."""


@users_group.command("add")
@click.argument("name", metavar="NAMN")
@click.option("--roll", "role", default=None, metavar="ROLL",
              help="admin, handlaggare, lasare eller enhet. Den första användaren blir admin.")
@click.option("--hsa-id", "hsa_id", default=None, metavar="HSA-ID",
              help="Enheten en användare med rollen enhet hör till (och ser).")
@ledger_option
def users_add_cmd(name, role, hsa_id, ledger_path):
    """Skapa en användare. Lösenordet (minst 8 tecken) frågas efter två gånger; läses det från
    en pipe räcker en rad."""
    from engine.followup import actions
    from engine.followup.ledger import DEFAULT_PATH
    from engine.web.store import ROLE_SPELLINGS, ROLES, Store

    wanted = ROLE_SPELLINGS.get((role or "").strip().lower()) if role else None
    if role and wanted is None:
        raise UsageError.single(None, f"--roll '{role}' finns inte; roller: {', '.join(ROLES)}")
    if hsa_id is not None:
        hsa_id = actions.hsa(hsa_id.strip()).upper()
    store = Store(ledger_path or DEFAULT_PATH)
    first = store.user_count() == 0
    if wanted is None and not first:
        raise UsageError.single(None, f"ange --roll ({', '.join(ROLES)})")
    wanted = wanted or "admin"
    if sys.stdin.isatty():
        password = click.prompt("Lösenord", hide_input=True, confirmation_prompt="Lösenordet igen",
                                err=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError.single(None, "inget lösenord på standard in")
    user = store.add_user(name, wanted, password, hsa_id if wanted == "enhet" else hsa_id)
    store.audit("kommandoraden", "ny användare", user.name,
                user.role + (f" {user.hsa_id}" if user.hsa_id else ""))
    note = " (den första användaren blir administratör)" if first and wanted != "admin" else ""
    sys.stdout.write(f"Användaren {user.name} är skapad med rollen {user.role}{note}"
                     + (f", enhet {user.hsa_id}" if user.hsa_id else "") + f" ({store.path}).\n")
    return 0


@users_group.command("list")
@ledger_option
def users_list_cmd(ledger_path):
    """Lista användarna: namn, roll, enhet och om de är aktiva."""
    from engine.followup.ledger import DEFAULT_PATH
    from engine.web.store import ROLES, Store

    store = Store(ledger_path or DEFAULT_PATH)
    rows = store.users()
    lines = [f"{r['name']}\t{ROLES[r['role']]}\t{r['hsa_id'] or '–'}\t"
             f"{'aktiv' if r['active'] else 'inaktiverad'}" for r in rows]
    sys.stdout.write("\n".join(lines or ["inga användare"]) + "\n")
    return 0


def register(cli) -> None:
    cli.add_command(serve_cmd)
    cli.add_command(users_group)
