// A ServerHandler built from delegates, for servers written with lambdas instead of a subclass.
namespace DcmKit {

/// A ServerHandler whose requests go to delegates; a request without one gets ServerHandler's
/// default (accept, Success for C-ECHO, the storage folder's answer for C-STORE, 0x0122 for C-FIND).
/// The same rules hold: the delegates run on the server's worker threads (several at once), and
/// one that throws fails its request.
///
///   var handler = new DelegateServerHandler { Store = info => { Console.WriteLine(info.SopInstanceUid); return 0; } };
///   using (var server = new Server(ae, handler)) { server.Start("", 11112); ... }
public class DelegateServerHandler : ServerHandler {
  public global::System.Func<AssocInfo, bool> Associate { get; set; }
  public global::System.Func<AssocInfo, int> Echo { get; set; }
  public global::System.Func<StoreInfo, int> Store { get; set; }
  public global::System.Func<FindInfo, Dataset, FindResponder, int> Find { get; set; }

  public override bool OnAssociate(AssocInfo info) { return Associate != null ? Associate(info) : base.OnAssociate(info); }
  public override int OnEcho(AssocInfo info) { return Echo != null ? Echo(info) : base.OnEcho(info); }
  public override int OnStore(StoreInfo info) { return Store != null ? Store(info) : base.OnStore(info); }
  public override int OnFind(FindInfo info, Dataset identifier, FindResponder responder) {
    return Find != null ? Find(info, identifier, responder) : base.OnFind(info, identifier, responder);
  }
}

}
