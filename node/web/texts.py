"""The page texts chosen by key in code (a verdict, a check's outcome, a field, a state):
their English source strings, marked for extraction. The catalogues translate them
(node/i18n/catalogues.py); :func:`node.web.i18n.t` looks one up."""

from __future__ import annotations

from typing import Final

from node.i18n.catalogues import gettext_noop

TEXTS: Final[dict[str, str]] = {
    "title": gettext_noop("Verify a micro-credential"),
    "since": gettext_noop("since"),
    "block": gettext_noop("block"),
    "h.title": gettext_noop("Micro-credential registry"),
    "h.verify": gettext_noop("Verify a micro-credential"),
    "h.verify.why": gettext_noop(
        "For employers and admissions offices: paste, upload or scan a "
        "credential and see whether it is genuine and valid, revoked or "
        "suspended."
    ),
    "h.catalogue": gettext_noop("Courses of the network"),
    "h.catalogue.why": gettext_noop(
        "For learners and advisers: search the courses that the network's "
        "institutions offer, and the micro-credentials they lead to."
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
    "result": gettext_noop("Result"),
    "not_credential": gettext_noop("This is not a credential we can read"),
    "e.unreadable": gettext_noop(
        "Paste or upload the whole credential: its JSON, its JWT or SD-JWT text, or a "
        "presentation. The technical detail says what could not be read."
    ),
    "e.busy": gettext_noop(
        "The registry is checking many credentials right now. Please try again in a moment."
    ),
    "e.verification_timeout": gettext_noop(
        "Checking this credential took longer than this registry allows. Please try again "
        "in a moment."
    ),
    "link_unknown": gettext_noop("This verification link is not valid."),
    "link_expired": gettext_noop(
        "This verification link has expired. Ask the learner for a new one."
    ),
    "link_revoked": gettext_noop("The learner has withdrawn this verification link."),
    "print": gettext_noop("Printable copy"),
    "print_hint": gettext_noop("Scan the code or open the link to verify this credential online."),
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
    "f.language": gettext_noop("Language of instruction"),
    "f.qualityAssurance": gettext_noop("Quality assurance"),
    "f.grade": gettext_noop("Grade"),
    "f.transcript": gettext_noop("Credentials listed"),
    "f.stackParts": gettext_noop("Parts of the micro-degree"),
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
    "l.link_sent": gettext_noop(
        "If this address has a learner account, a sign-in link is on its way. "
        "It works once, for 15 minutes."
    ),
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
    "l.my_credentials": gettext_noop("My credentials"),
    "c.sign_in": gettext_noop("Staff sign-in"),
    "c.enrol": gettext_noop("Set up your authenticator app"),
    "c.failed": gettext_noop("Wrong user name, password or code."),
    "c.code_failed": gettext_noop("Wrong code: enter the code your app shows now."),
    "c.expired": gettext_noop("This step has expired. Please sign in again."),
    "c.sso_down": gettext_noop(
        "The institution's sign-in service cannot be reached now. Try again later, or sign in "
        "with a local account."
    ),
    "c.sso_failed": gettext_noop("Single sign-on did not work:"),
    "c.action.revoke": gettext_noop("Revoke"),
    "c.action.suspend": gettext_noop("Suspend"),
    "c.action.reinstate": gettext_noop("Reinstate"),
    "c.action.sign": gettext_noop("Sign"),
    "c.bulk": gettext_noop("Action on the selected records"),
    "c.approvals": gettext_noop("Approvals"),
    "c.offer": gettext_noop("Wallet offer"),
    "c.tokens": gettext_noop("API tokens"),
    "c.catalogue": gettext_noop("Catalogue"),
    "c.catalogue_new": gettext_noop("A new catalogue entry"),
    "c.catalogue_edit": gettext_noop("Edit the catalogue entry"),
    "c.refusal.no_chain": gettext_noop("this node has no approval chain"),
    "c.refusal.not_waiting": gettext_noop("the record is not waiting for an approval"),
    "c.refusal.role": gettext_noop("the stage “{stage}” needs the role {role}"),
    "c.refusal.prepared": gettext_noop("separation of duties: you prepared this record"),
    "c.refusal.decided": gettext_noop(
        "separation of duties: you decided the stage “{stage}” of this record"
    ),
    "c.prepare": gettext_noop("Prepare a micro-credential"),
    "c.forbidden": gettext_noop("Your roles do not allow this."),
    "c.refused": gettext_noop("This could not be done:"),
    "c.dashboard": gettext_noop("Dashboard"),
    "c.registry": gettext_noop("Registry"),
    "c.record": gettext_noop("Credential record"),
    "c.not_found": gettext_noop("There is no such record in the registry."),
    "c.learners": gettext_noop("Learner accounts"),
    "c.institution": gettext_noop("Institution"),
    "c.network": gettext_noop("Network"),
    "c.vote_choice": gettext_noop("Choose yes or no."),
    "c.voted": gettext_noop("The institution's vote on proposal {proposal} is in block {block}."),
    "n.active": gettext_noop("Active"),
    "n.suspended": gettext_noop("Suspended"),
    "n.removed": gettext_noop("Removed"),
    "n.none": gettext_noop("Not a member"),
    "n.state.open": gettext_noop("Open"),
    "n.state.executed": gettext_noop("Carried out"),
    "n.state.rejected": gettext_noop("Rejected"),
    "n.state.cancelled": gettext_noop("Withdrawn"),
    "n.state.expired": gettext_noop("Expired"),
    "n.kind.admission": gettext_noop("Admission"),
    "n.kind.suspension": gettext_noop("Suspension"),
    "n.kind.reinstatement": gettext_noop("Reinstatement"),
    "n.kind.removal": gettext_noop("Removal"),
    "n.kind.keyAddition": gettext_noop("New signing key"),
    "n.kind.keyRetirement": gettext_noop("Retired signing key"),
    "n.kind.accountAddition": gettext_noop("New anchoring account"),
    "n.kind.accountRemoval": gettext_noop("Removed anchoring account"),
    "n.kind.serviceEndpointUpdate": gettext_noop("New address"),
    "n.kind.accreditationUpdate": gettext_noop("New accreditation"),
    "c.learner_made": gettext_noop("The account is made. The learner signs in with a mailed link."),
    "c.learner_made_mailed": gettext_noop("The account is made and its sign-in link is mailed."),
    "c.link_mailed": gettext_noop("A sign-in link is mailed to the learner (valid 15 minutes)."),
    "c.uploads": gettext_noop("Upload a CSV file"),
    "c.upload_gone": gettext_noop("There is no such upload of yours."),
    "u.previewed": gettext_noop("Checked: nothing is stored until you confirm."),
    "u.queued": gettext_noop("Waiting to start"),
    "u.running": gettext_noop("Preparing the records"),
    "u.done": gettext_noop("Done"),
    "u.discarded": gettext_noop("Discarded"),
    "u.row.prepare": gettext_noop("Prepared"),
    "u.row.skip": gettext_noop("Skipped: already stored"),
    "u.row.reject": gettext_noop("Not prepared:"),
    "s.prepared": gettext_noop("Waiting to be issued"),
    "s.approved": gettext_noop("Waiting to be issued"),
    "s.issued": gettext_noop("Valid"),
    "s.suspended": gettext_noop("Suspended"),
    "s.revoked": gettext_noop("Revoked"),
    "ls.active": gettext_noop("Active"),
    "ls.expired": gettext_noop("Expired"),
    "ls.revoked": gettext_noop("Withdrawn"),
    "l.not_found": gettext_noop("This credential is not in your account."),
    "l.no_transcript": gettext_noop(
        "No credential of this institution is in your account yet: there is nothing to list."
    ),
    "l.transcript_prepared": gettext_noop(
        "Your transcript is prepared: the institution approves it, then it appears here."
    ),
    "a.title": gettext_noop("Add a credential to your wallet"),
    "a.expired": gettext_noop(
        "This request from your wallet has expired or was already answered. "
        "Start again in your wallet."
    ),
    "a.bad_request": gettext_noop("The wallet's request cannot be accepted"),
    "o.title": gettext_noop("Add your micro-credential to your wallet"),
    "o.scan": gettext_noop(
        "Scan this QR code with your wallet app or, on the phone with the wallet, press the button."
    ),
    "o.until": gettext_noop("The offer is valid until"),
    "o.used": gettext_noop("This offer was already used. Ask your institution for a new one."),
    "o.expired": gettext_noop("This offer has expired. Ask your institution for a new one."),
    "o.unknown": gettext_noop("This offer link is not valid."),
}
