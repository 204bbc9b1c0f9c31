"""The page texts chosen by key in code (a verdict, a check's outcome, a field, a state):
their English source strings, marked for extraction. The catalogues translate them
(node/web/catalogues.py); :func:`node.web.i18n.t` looks one up."""

from __future__ import annotations

from typing import Final

Message = str | tuple[str, str]  # a source string, or (context, source string)


def gettext_noop(message: str) -> str:
    return message


def pgettext_noop(context: str, message: str) -> tuple[str, str]:
    return (context, message)


TEXTS: Final[dict[str, Message]] = {
    "title": gettext_noop("Verify a micro-credential"),
    "since": gettext_noop("since"),
    "block": gettext_noop("block"),
    "h.title": gettext_noop("Micro-credential registry"),
    "h.intro": gettext_noop(
        "The EU micro-credentials issued here are signed, anchored on the "
        "network's ledger, and anyone can check them."
    ),
    "h.verify": gettext_noop("Verify a micro-credential"),
    "h.verify.why": gettext_noop(
        "For employers and admissions offices: paste, upload or scan a "
        "credential and see whether it is genuine and valid, revoked or "
        "suspended."
    ),
    "h.learner": gettext_noop("Learner portal"),
    "h.learner.why": gettext_noop(
        "For learners: sign in to see your micro-credentials, add them to your "
        "wallet and share them with a verification link."
    ),
    "h.docs": gettext_noop("API documentation"),
    "h.docs.why": gettext_noop(
        "For developers and registrars: the interfaces for issuing, verifying "
        "and wallets (OpenAPI)."
    ),
    "intro": gettext_noop(
        "Check that a micro-credential is genuine, issued by an accredited "
        "member of the network, and neither revoked nor suspended."
    ),
    "paste": gettext_noop("Paste the credential (JSON or JWT text)"),
    "upload": gettext_noop("Or choose a file"),
    "upload_qr": gettext_noop("Or upload a photo or screenshot of its QR code (PNG or JPEG)"),
    "qr.problem": gettext_noop("The QR code could not be used"),
    "qr.bad_image": gettext_noop("The file is not a PNG or JPEG image, or it is damaged."),
    "qr.too_big": gettext_noop("The image is too large. Upload a smaller photo or a screenshot."),
    "qr.none": gettext_noop(
        "No QR code was found in the image. Take a sharper, closer photo of it."
    ),
    "qr.foreign": gettext_noop(
        "The QR code links to another website. It is not opened here: ask the "
        "learner for the credential or a verification link of this registry."
    ),
    "qr.not_share": gettext_noop(
        "The QR code links to this registry, but not to the verification of a credential."
    ),
    "submit": gettext_noop("Verify"),
    "language": gettext_noop("Language"),
    "result": gettext_noop("Result"),
    "content": gettext_noop("What the credential says"),
    "checks": gettext_noop("Checks"),
    "technical": gettext_noop("Technical detail"),
    "not_credential": gettext_noop("This is not a credential we can read"),
    "again": gettext_noop("Verify another credential"),
    "link_unknown": gettext_noop("This verification link is not valid."),
    "link_expired": gettext_noop(
        "This verification link has expired. Ask the learner for a new one."
    ),
    "link_revoked": gettext_noop("The learner has withdrawn this verification link."),
    "print": gettext_noop("Printable copy"),
    "print_hint": gettext_noop("Scan the code or open the link to verify this credential online."),
    "shared_until": gettext_noop("This link works until"),
    "v.valid": gettext_noop("Valid"),
    "v.valid.why": gettext_noop(
        "Genuine, issued by an accredited member, and neither revoked nor suspended."
    ),
    "v.valid.network": gettext_noop(
        "Genuine: issued by {issuer}, an active member of the network "
        "({network}; {members} member institutions), and neither revoked nor "
        "suspended."
    ),
    "v.valid.single": gettext_noop(
        "Genuine: issued by {issuer}, and neither revoked nor suspended."
    ),
    "v.pending": gettext_noop("Valid, not yet on the ledger"),
    "v.pending.why": gettext_noop(
        "Genuine, and neither revoked nor suspended, but not recorded on the "
        "ledger yet: the institution records new credentials and status changes"
        " in batches. Check again in a few minutes."
    ),
    "trust.single": gettext_noop(
        "Only this institution vouches for it: the ledger ({network}) is its "
        "own, not a network of institutions."
    ),
    "trust.network": gettext_noop(
        "Issuer: {issuer}. Network: {network}; {members} member institutions."
    ),
    "trust.chain": gettext_noop("chain {chain}"),
    "trust.named": gettext_noop("{name}, chain {chain}"),
    "v.invalid": gettext_noop("Not valid"),
    "v.invalid.why": gettext_noop("At least one check failed: do not rely on this credential."),
    "v.revoked": gettext_noop("Revoked"),
    "v.revoked.why": gettext_noop("The issuing institution has revoked this credential."),
    "v.suspended": gettext_noop("Suspended"),
    "v.suspended.why": gettext_noop(
        "The issuing institution has suspended this credential for now."
    ),
    "v.cannot_check": gettext_noop("Cannot be checked"),
    "v.cannot_check.why": gettext_noop("Some checks could not run right now; try again later."),
    "f.learner": gettext_noop("Learner"),
    "f.title": gettext_noop("Title"),
    "f.awardingBody": gettext_noop("Awarding institution"),
    "f.country": gettext_noop("Country"),
    "f.dateOfIssuing": gettext_noop("Date of issuing"),
    "f.learningOutcomes": gettext_noop("Learning outcomes"),
    "f.ects": gettext_noop("ECTS credits"),
    "f.eqf": gettext_noop("EQF level"),
    "f.assessment": gettext_noop("Assessment"),
    "f.participation": gettext_noop("Participation"),
    "f.qualityAssurance": gettext_noop("Quality assurance"),
    "f.grade": gettext_noop("Grade"),
    "ok": gettext_noop("passed"),
    "fail": gettext_noop("failed"),
    "none": gettext_noop("not checked"),
    "c.structure.1": gettext_noop("The credential is complete and well-formed."),
    "c.structure.0": gettext_noop("The credential is damaged or not in a recognised format."),
    "c.structure.n": gettext_noop("The format could not be checked."),
    "c.elements.1": gettext_noop(
        "It contains every element the EU Council Recommendation requires."
    ),
    "c.elements.0": gettext_noop("Elements the EU Council Recommendation requires are missing."),
    "c.elements.n": gettext_noop("The EU elements were not checked."),
    "c.issuer_key.1": gettext_noop("It was signed with a key of the issuing institution."),
    "c.issuer_key.0": gettext_noop("The signing key is not a key of a known institution."),
    "c.issuer_key.n": gettext_noop("The issuer's key cannot be checked right now."),
    "c.signature.1": gettext_noop("The signature is genuine: nothing was changed since issuing."),
    "c.signature.0": gettext_noop(
        "The signature does not match: the content was changed or not signed by the issuer."
    ),
    "c.signature.n": gettext_noop("The signature could not be checked."),
    "c.validity.1": gettext_noop("It is within its validity period."),
    "c.validity.0": gettext_noop("It is outside its validity period."),
    "c.validity.n": gettext_noop("The validity period could not be checked."),
    "c.membership.1": gettext_noop(
        "The issuing institution is an active accredited network member."
    ),
    "c.membership.1.single": gettext_noop(
        "The issuing institution is registered on its own ledger, the only institution there."
    ),
    "c.membership.0": gettext_noop("The issuer is not an active accredited member of the network."),
    "c.membership.n": gettext_noop("Membership cannot be checked right now."),
    "c.status.1": gettext_noop("It has not been revoked or suspended."),
    "c.status.0": gettext_noop(
        "It has been revoked or suspended, or its status list is not genuine."
    ),
    "c.status.n": gettext_noop("Its revocation status cannot be checked right now."),
    "c.status.pending": gettext_noop(
        "Its status is read from a list that is not on the ledger yet."
    ),
    "c.anchor.1": gettext_noop("It is recorded on the network ledger."),
    "c.anchor.0": gettext_noop("The ledger record does not match this credential."),
    "c.anchor.n": gettext_noop("The ledger record cannot be checked right now."),
    "c.anchor.pending": gettext_noop(
        "It is not recorded on the ledger yet: its batch is waiting to be anchored."
    ),
    "c.anchor.unknown": gettext_noop("No ledger record matches this exact credential."),
    "c.holder_binding.1": gettext_noop("The holder proved they hold it."),
    "c.holder_binding.0": gettext_noop("The holder's proof failed."),
    "c.holder_binding.n": gettext_noop("The holder's proof is only checked for presentations."),
    "l.sign_in": gettext_noop("Sign in"),
    "l.sign_in_intro": gettext_noop(
        "Sign in to see the micro-credentials your institution has issued to "
        "you, add them to your wallet and share them."
    ),
    "l.email": gettext_noop("E-mail address"),
    "l.password": gettext_noop("Password"),
    "l.or_link": gettext_noop("No password, or forgotten it? We can e-mail you a sign-in link."),
    "l.send_link": gettext_noop("E-mail me a sign-in link"),
    "l.link_sent": gettext_noop(
        "If this address has a learner account, a sign-in link is on its way. "
        "It works once, for 15 minutes."
    ),
    "l.link_continue": gettext_noop("Continue to sign in with the link from your e-mail."),
    "l.continue": gettext_noop("Continue"),
    "l.failed": gettext_noop("Wrong e-mail address or password."),
    "l.link_failed": gettext_noop(
        "This sign-in link is not valid: it was used or it expired. Ask for a new one."
    ),
    "l.too_many": gettext_noop("Too many attempts. Please wait a few minutes and try again."),
    "l.password_paused": gettext_noop(
        "After many wrong passwords, password sign-in for this address is "
        "paused for a while. We can e-mail you a sign-in link instead (below): "
        "it works."
    ),
    "l.csrf": gettext_noop("This form has expired. Please reload the page and try again."),
    "l.sign_out": gettext_noop("Sign out"),
    "l.signed_in_as": gettext_noop("Signed in as"),
    "l.my_credentials": gettext_noop("My credentials"),
    "l.none": gettext_noop("No credentials are attached to your account yet."),
    "l.col_title": pgettext_noop("column", "Title"),
    "l.col_issuer": gettext_noop("Issuer"),
    "l.col_date": gettext_noop("Date"),
    "l.col_status": gettext_noop("Status"),
    "l.manage": gettext_noop("Share"),
    "s.prepared": gettext_noop("Waiting to be issued"),
    "s.approved": gettext_noop("Waiting to be issued"),
    "s.issued": gettext_noop("Valid"),
    "s.suspended": gettext_noop("Suspended"),
    "s.revoked": gettext_noop("Revoked"),
    "l.share_title": gettext_noop("Share this credential"),
    "l.share_intro": gettext_noop(
        "Create a link that shows this credential and its verification to "
        "anyone you give it to, for as long as you choose. You can withdraw it "
        "at any time."
    ),
    "l.expiry": gettext_noop("The link works for"),
    "l.create_link": gettext_noop("Create link"),
    "l.new_link": gettext_noop("Your new link (shown only now, copy it):"),
    "l.print_link": gettext_noop("Printable copy with QR code"),
    "l.links": gettext_noop("Your links"),
    "l.no_links": gettext_noop("You have not created any links for this credential."),
    "l.created": gettext_noop("Created"),
    "l.until": gettext_noop("Works until"),
    "l.state": gettext_noop("State"),
    "ls.active": gettext_noop("Active"),
    "ls.expired": gettext_noop("Expired"),
    "ls.revoked": gettext_noop("Withdrawn"),
    "l.revoke": gettext_noop("Withdraw"),
    "l.back": gettext_noop("Back to my credentials"),
    "l.not_found": gettext_noop("This credential is not in your account."),
    "l.not_issued": gettext_noop(
        "This credential has not been issued yet: it can be shared once it is."
    ),
    "l.wallet_title": gettext_noop("Add to my wallet"),
    "l.wallet_intro": gettext_noop(
        "Get a new offer for your wallet app. Your wallet will ask for a PIN: "
        "it is shown here with the offer."
    ),
    "l.wallet_button": gettext_noop("Add to my wallet"),
    "l.wallet_scan": gettext_noop(
        "Scan this QR code with your wallet app or, on the phone with the wallet, press the button."
    ),
    "l.wallet_pin": gettext_noop("The PIN your wallet asks for:"),
    "l.wallet_pin_note": gettext_noop("Shown only now. Do not send it to anyone."),
    "l.wallet_not_offerable": gettext_noop(
        "This credential is revoked or suspended: it cannot be added to a wallet."
    ),
    "l.copies_title": gettext_noop("Signed copies"),
    "l.copies_intro": gettext_noop(
        "Each signed copy of this credential, to keep or to hand to someone who checks it."
    ),
    "l.copies_none": gettext_noop(
        "There is no signed copy yet: the institution has not issued this credential."
    ),
    "l.col_format": gettext_noop("Format"),
    "l.col_holder": gettext_noop("Bound to"),
    "l.holder_none": gettext_noop("Nobody (any holder)"),
    "l.download": gettext_noop("Download"),
    "a.title": gettext_noop("Add a credential to your wallet"),
    "a.intro": gettext_noop(
        "A wallet asks for one of your credentials. Hand one over only if you "
        "started this from your own wallet."
    ),
    "a.wallet": gettext_noop("Wallet"),
    "a.returns_to": gettext_noop("Returns to"),
    "a.choose": gettext_noop("Choose the credential to hand over"),
    "a.none": gettext_noop("None of your credentials can be handed to this wallet."),
    "a.approve": gettext_noop("Hand over"),
    "a.deny": gettext_noop("Decline"),
    "a.expired": gettext_noop(
        "This request from your wallet has expired or was already answered. "
        "Start again in your wallet."
    ),
    "a.bad_request": gettext_noop("The wallet's request cannot be accepted"),
    "o.title": gettext_noop("Add your micro-credential to your wallet"),
    "o.scan": gettext_noop(
        "Scan this QR code with your wallet app or, on the phone with the wallet, press the button."
    ),
    "o.button": gettext_noop("Open in my wallet"),
    "o.pin": gettext_noop(
        "Your wallet will ask for a PIN. It is not in the e-mail: the person at"
        " your institution who prepared the offer gives it to you. With a "
        "learner account you can also sign in and choose “Add to my wallet” for"
        " a new offer and its PIN."
    ),
    "o.portal": gettext_noop("Sign in to my learner account"),
    "o.no_pin": gettext_noop("No PIN is needed."),
    "o.until": gettext_noop("The offer is valid until"),
    "o.used": gettext_noop("This offer was already used. Ask your institution for a new one."),
    "o.expired": gettext_noop("This offer has expired. Ask your institution for a new one."),
    "o.unknown": gettext_noop("This offer link is not valid."),
}
