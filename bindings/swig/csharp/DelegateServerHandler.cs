// A ServerHandler built from delegates, for servers written with lambdas instead of a subclass.
namespace DcmKit {

/// A ServerHandler whose requests go to delegates; a request without one gets ServerHandler's
/// default (accept, Success for C-ECHO, the storage folder's answer for C-STORE, 0x0122 for C-FIND,
/// C-MOVE and C-GET, 0x0118 for DIMSE-N).
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
  public global::System.Func<RetrieveInfo, Dataset, RetrievePlan, int> Move { get; set; }
  public global::System.Func<RetrieveInfo, Dataset, RetrievePlan, int> Get { get; set; }
  /// The request's dataset is null when it has none.
  public global::System.Func<NInfo, Dataset, NReply, int> NRequest { get; set; }

  public override bool OnAssociate(AssocInfo info) { return Associate != null ? Associate(info) : base.OnAssociate(info); }
  public override int OnEcho(AssocInfo info) { return Echo != null ? Echo(info) : base.OnEcho(info); }
  public override int OnStore(StoreInfo info) { return Store != null ? Store(info) : base.OnStore(info); }
  public override int OnFind(FindInfo info, Dataset identifier, FindResponder responder) {
    return Find != null ? Find(info, identifier, responder) : base.OnFind(info, identifier, responder);
  }
  public override int OnMove(RetrieveInfo info, Dataset identifier, RetrievePlan plan) {
    return Move != null ? Move(info, identifier, plan) : base.OnMove(info, identifier, plan);
  }
  public override int OnGet(RetrieveInfo info, Dataset identifier, RetrievePlan plan) {
    return Get != null ? Get(info, identifier, plan) : base.OnGet(info, identifier, plan);
  }
  public override int OnNRequest(NInfo info, Dataset dataset, NReply reply) {
    return NRequest != null ? NRequest(info, dataset, reply) : base.OnNRequest(info, dataset, reply);
  }
}

}
